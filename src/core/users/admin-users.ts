/** What an administrator does to a user (AdminConfirmSignUp, AdminDisableUser, AdminSetUserPassword, …). */
import { AppError } from '../../errors/app-error.js';
import { audited } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { saveUserWithAliases } from './save-user.js';
import { setPassword } from './password-reset.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'hasher' | 'box'>;
type AuditedDeps = Deps & Pick<CoreDeps, 'audit' | 'breachedPasswords'>;

export async function adminConfirmSignUp(deps: Deps, pool: UserPool, user: User): Promise<User> {
  if (user.status !== 'UNCONFIRMED') throw new AppError('NotAuthorized', `User cannot be confirmed. Current status is ${user.status}`);
  return saveUserWithAliases(deps, pool, user, (u) => ({ ...u, status: 'CONFIRMED' }));
}

/** Disabling ends every session and token: a disabled user must not keep using old ones. */
export async function setUserEnabled(deps: Deps, pool: UserPool, user: User, enabled: boolean): Promise<void> {
  await deps.storage.users.update(pool.id, user.id, (u) => ({ ...u, enabled, updatedAt: deps.clock.now() }));
  if (!enabled) await signOutEverywhere(deps, pool, user);
}

export async function signOutEverywhere(deps: Deps, pool: UserPool, user: User): Promise<void> {
  await deps.storage.tokens.revokeFamiliesOfUser(pool.id, user.id, deps.clock.now());
  await deps.storage.sessions.deleteForUser(pool.id, user.id);
}

/** AdminUserGlobalSignOut: ends every session and token of the user, and records it. */
export async function adminGlobalSignOut(deps: AuditedDeps, pool: UserPool, user: User): Promise<void> {
  return audited(deps, { type: 'GlobalSignOut', poolId: pool.id, userId: user.id, username: user.username }, () => signOutEverywhere(deps, pool, user));
}

/** Permanent → CONFIRMED; otherwise a temporary password the user must change (FORCE_CHANGE_PASSWORD). */
export async function adminSetUserPassword(deps: AuditedDeps, pool: UserPool, user: User, password: string, permanent: boolean): Promise<User> {
  return audited(deps, { type: 'PasswordChange', poolId: pool.id, userId: user.id, username: user.username }, async () => {
    assertChosenPassword(deps, pool.settings, password);
    return setPassword(deps, pool, user, password, permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD');
  });
}
