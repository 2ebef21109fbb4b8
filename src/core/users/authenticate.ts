import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { srpEnabled, storeSrpVerifier } from '../auth/srp-verifier.js';
import { findUserBySignInName } from './identity.js';
import { attemptsExceeded, isLockedOut, recordSignInFailure } from './lockout.js';

export type PasswordAuthResult = { kind: 'authenticated'; user: User } | { kind: 'new_password_required'; user: User };

/**
 * Checks a password. An unknown user costs the same argon2 work as a wrong password, and
 * account state is only revealed to someone who knows the password.
 */
export async function authenticatePassword(
  deps: Pick<CoreDeps, 'storage' | 'hasher' | 'clock' | 'box'>,
  pool: UserPool,
  signInName: string,
  password: string,
): Promise<PasswordAuthResult> {
  const user = signInName ? await findUserBySignInName(deps.storage, pool, signInName) : undefined;
  if (!user || !user.passwordHash) {
    await deps.hasher.verifyDummy(password);
    if (!user) throw new AppError('UserNotFound', 'User does not exist.');
    throw new AppError('NotAuthorized', 'Incorrect username or password.');
  }
  if (await isLockedOut(deps, user)) {
    // Same work and the same answer whether or not the password is right.
    await deps.hasher.verifyDummy(password);
    throw attemptsExceeded();
  }
  if (!(await deps.hasher.verify(user.passwordHash, password))) {
    await recordSignInFailure(deps, user);
    throw new AppError('NotAuthorized', 'Incorrect username or password.');
  }
  // The failure count is cleared when the whole sign-in (MFA included) succeeds, not here, so
  // wrong MFA codes after right passwords still add up to a lockout.
  // Users from before SRP (or imported with a hash only) get their verifier now that the password is known.
  if (srpEnabled(pool) && !(await deps.storage.srpVerifiers.get(pool.id, user.id))) await storeSrpVerifier(deps, pool, user, password);
  if (deps.hasher.needsRehash(user.passwordHash)) await rehashPassword(deps, user, password);
  return signInState(deps, pool, user);
}

/**
 * Hashes a password made with older argon2 parameters again, now that it is known, so that every
 * user ends up on the current ones. The password did not change: neither its date nor the user's
 * is touched, and a password set meanwhile (another request) is left alone.
 */
async function rehashPassword(deps: Pick<CoreDeps, 'storage' | 'hasher'>, user: User, password: string): Promise<void> {
  const old = user.passwordHash;
  const passwordHash = await deps.hasher.hash(password);
  await deps.storage.users.update(user.poolId, user.id, (current) => (current.passwordHash === old ? { ...current, passwordHash } : current));
}

/** What a user who proved their password may do next, by account state (any sign-in method). */
export function signInState(deps: Pick<CoreDeps, 'clock'>, pool: UserPool, user: User): PasswordAuthResult {
  if (!user.enabled) throw new AppError('NotAuthorized', 'User is disabled.');
  switch (user.status) {
    case 'UNCONFIRMED':
      throw new AppError('UserNotConfirmed', 'User is not confirmed.', { detail: { userId: user.id } });
    case 'RESET_REQUIRED':
      throw new AppError('PasswordResetRequired', 'Password reset required for the user');
    case 'FORCE_CHANGE_PASSWORD': {
      const validDays = pool.settings.passwordPolicy.temporaryPasswordValidityDays || 7;
      if (deps.clock.now() - user.passwordUpdatedAt > validDays * 86_400_000) {
        throw new AppError('NotAuthorized', 'Temporary password has expired and must be reset by an administrator.');
      }
      return { kind: 'new_password_required', user };
    }
    case 'CONFIRMED':
      return { kind: 'authenticated', user };
  }
}
