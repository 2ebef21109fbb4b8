import { AppError } from '../../errors/app-error.js';
import { audited } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { storeSrpVerifier } from '../auth/srp-verifier.js';
import { consumeCode, sendCode, type CodeDeliveryDetails } from './codes.js';
import { requireUser } from './sign-up.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'hasher' | 'box' | 'sender' | 'audit' | 'breachedPasswords'>;

export async function forgotPassword(deps: Deps, pool: UserPool, username: string, clientId?: string): Promise<CodeDeliveryDetails> {
  return audited(deps, { type: 'ForgotPassword', poolId: pool.id, username, clientId }, async (event) => {
    const user = await requireUser(deps, pool, username);
    event.userId = user.id;
    if (!user.enabled) throw new AppError('NotAuthorized', 'User is disabled.');
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      throw new AppError('NotAuthorized', 'User password cannot be reset in the current state.');
    }
    if (pool.settings.accountRecovery.length > 0 && pool.settings.accountRecovery.every((m) => m.name === 'admin_only')) {
      throw new AppError('NotAuthorized', 'User password cannot be reset: the user pool allows only administrators to reset passwords.');
    }
    if (user.attributes.email_verified !== 'true') {
      throw new AppError('InvalidParameter', 'Cannot reset password for the user as there is no registered/verified email or phone_number');
    }
    return sendCode(deps, pool, user, 'forgot_password');
  });
}

/** Sets a new password with the emailed code and ends every session and token of the user. */
export async function confirmForgotPassword(deps: Deps, pool: UserPool, username: string, code: string, password: string, clientId?: string): Promise<User> {
  return audited(deps, { type: 'ConfirmForgotPassword', poolId: pool.id, username, clientId }, async (event) => {
    const user = await requireUser(deps, pool, username);
    event.userId = user.id;
    assertChosenPassword(deps, pool.settings, password);
    await consumeCode(deps, user, 'forgot_password', code);
    return setPassword(deps, pool, user, password, 'CONFIRMED');
  });
}

/** Replaces the password hash and revokes what the old password gave out. */
export async function setPassword(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'hasher' | 'box'>,
  pool: UserPool,
  user: User,
  password: string,
  status: User['status'],
  options: { signOutEverywhere: boolean } = { signOutEverywhere: true },
): Promise<User> {
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock.now();
  const updated = await deps.storage.users.update(pool.id, user.id, (u) => ({
    ...u, passwordHash, status: u.status === 'UNCONFIRMED' ? 'UNCONFIRMED' : status, updatedAt: now, passwordUpdatedAt: now,
  }));
  await storeSrpVerifier(deps, pool, updated, password);
  if (options.signOutEverywhere) {
    await deps.storage.tokens.revokeFamiliesOfUser(pool.id, user.id, now);
    await deps.storage.sessions.deleteForUser(pool.id, user.id);
  }
  return updated;
}
