import { AppError } from '../../errors/app-error.js';
import { AlreadyExistsError } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { normaliseKey, signInAliases } from './identity.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock'>;

/** Cognito's ForceAliasCreation: a verified email or phone number another user holds as an alias moves to this user. */
export interface AliasOptions {
  forceAliasCreation?: boolean;
}

/**
 * Updates a user and re-derives their sign-in aliases (a confirmed or changed email, a verified
 * phone). When an alias is taken by someone else (and not forced over) the user is put back as
 * they were and the caller gets AliasExists.
 */
export async function saveUserWithAliases(
  deps: Deps, pool: UserPool, user: User, updater: (u: User) => User, options: AliasOptions = {},
): Promise<User> {
  const updated = await deps.storage.users.update(pool.id, user.id, (u) => ({ ...updater(u), updatedAt: deps.clock.now() }));
  try {
    await writeAliases(deps, pool, updated, options, () => deps.storage.users.setAliases(pool.id, user.id, signInAliases(pool.settings, updated)));
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    await deps.storage.users.update(pool.id, user.id, () => user);
    throw new AppError('AliasExists', `An account with the given ${error.key} already exists.`);
  }
  return updated;
}

/**
 * Runs `write`, which stores `user`'s aliases. With ForceAliasCreation, an alias another user
 * holds is taken from them first, and `write` runs again: they keep the attribute, unverified,
 * and can no longer sign in with it. Otherwise the AlreadyExistsError is the caller's.
 */
export async function writeAliases(deps: Deps, pool: UserPool, user: User, options: AliasOptions, write: () => Promise<void>): Promise<void> {
  // One alias moved per attempt: email and phone number may both be taken.
  for (let moved = 0; ; moved++) {
    try {
      return await write();
    } catch (error) {
      if (!options.forceAliasCreation || !(error instanceof AlreadyExistsError) || moved >= MOVABLE.length) throw error;
      if (!(await releaseAlias(deps, pool, user, error.key))) throw error;
    }
  }
}

/** The aliases ForceAliasCreation may move (a preferred_username or a sign-in name never moves). */
const MOVABLE = ['email', 'phone_number'] as const;

/** Only a verified email or phone is an alias (signInAliases), so a clash on one means it is verified here too. */
async function releaseAlias(deps: Deps, pool: UserPool, user: User, attribute: string): Promise<boolean> {
  const value = user.attributes[attribute];
  const movable = (MOVABLE as readonly string[]).includes(attribute) && (pool.settings.aliasAttributes as string[]).includes(attribute);
  if (!movable || value === undefined) return false;
  const holder = await deps.storage.users.findByAlias(pool.id, attribute, normaliseKey(pool.settings, value));
  if (!holder || holder.id === user.id) return false;
  await saveUserWithAliases(deps, pool, holder, (u) => ({ ...u, attributes: { ...u.attributes, [`${attribute}_verified`]: 'false' } }));
  return true;
}
