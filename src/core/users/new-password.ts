import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { missingRequiredAttributes, validateUserAttributes } from './attributes.js';
import { setPassword } from './password-reset.js';

/**
 * NEW_PASSWORD_REQUIRED: a user with a temporary password chooses their own, supplying any
 * required attributes still missing. The caller has already checked the temporary password.
 */
export async function completeNewPassword(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'hasher' | 'box' | 'breachedPasswords'>,
  pool: UserPool,
  userId: string,
  newPassword: string,
  attributes: Record<string, string>,
): Promise<User> {
  const user = await deps.storage.users.get(pool.id, userId);
  if (!user || user.status !== 'FORCE_CHANGE_PASSWORD' || !user.enabled) {
    throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  }
  validateUserAttributes(pool.settings, attributes);
  const missing = missingRequiredAttributes(pool.settings, { ...user.attributes, ...attributes });
  if (missing.length > 0) throw new AppError('InvalidParameter', `Missing required attributes: ${missing.join(', ')}`, { detail: { missing } });
  assertChosenPassword(deps, pool.settings, newPassword);
  if (Object.keys(attributes).length > 0) {
    await deps.storage.users.update(pool.id, user.id, (u) => ({ ...u, attributes: { ...u.attributes, ...attributes }, updatedAt: deps.clock.now() }));
  }
  return setPassword(deps, pool, user, newPassword, 'CONFIRMED');
}

