import { AppError } from '../../errors/app-error.js';
import { AlreadyExistsError } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { signInAliases } from './identity.js';

/**
 * Updates a user and re-derives their sign-in aliases (a confirmed or changed email, a verified
 * phone). When an alias is taken by someone else the user is put back as they were and the
 * caller gets AliasExists.
 */
export async function saveUserWithAliases(deps: Pick<CoreDeps, 'storage' | 'clock'>, pool: UserPool, user: User, updater: (u: User) => User): Promise<User> {
  const updated = await deps.storage.users.update(pool.id, user.id, (u) => ({ ...updater(u), updatedAt: deps.clock.now() }));
  try {
    await deps.storage.users.setAliases(pool.id, user.id, signInAliases(pool.settings, updated));
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    await deps.storage.users.update(pool.id, user.id, () => user);
    throw new AppError('AliasExists', `An account with the given ${error.key} already exists.`);
  }
  return updated;
}
