/** Sign-in outcomes in the audit trail, recorded the same way by every sign-in path. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, User, UserPool } from '../model.js';
import type { AuthEventInput } from '../ports.js';
import { findUserBySignInName } from '../users/identity.js';
import { clearSignInFailures } from '../users/lockout.js';

export interface SignInOutcome {
  pool: UserPool;
  client?: Client;
  user?: User;
  /** The name the caller gave, when the user may not exist. */
  username?: string;
  outcome: 'Pass' | 'Fail';
  /** For a failure: what failed. */
  error?: unknown;
  /** For a failure: which factor was being checked. */
  factor?: 'Password' | 'Mfa';
  /** For a success: the methods used (pwd, mfa, otp, sms). */
  amr?: string[];
}

export async function recordSignIn(deps: Pick<CoreDeps, 'audit' | 'storage'>, o: SignInOutcome): Promise<void> {
  // A wrong password for a real user belongs in that user's trail (AdminListUserAuthEvents).
  const user = o.user ?? (o.username ? await findUserBySignInName(deps.storage, o.pool, o.username) : undefined);
  let challenges: AuthEventInput['challenges'];
  if (o.outcome === 'Pass') {
    challenges = [{ name: 'Password', response: 'Success' }];
    if (o.amr?.includes('mfa')) challenges.push({ name: 'Mfa', response: 'Success' });
  } else if (o.factor === 'Mfa') {
    challenges = [{ name: 'Password', response: 'Success' }, { name: 'Mfa', response: 'Failure' }];
  } else {
    challenges = [{ name: 'Password', response: 'Failure' }];
  }
  await deps.audit.record({
    type: 'SignIn', poolId: o.pool.id, userId: user?.id, username: user?.username ?? o.username, clientId: o.client?.id,
    outcome: o.outcome, reason: o.error instanceof AppError ? o.error.code : o.error ? 'Internal' : undefined, challenges,
  });
}

/** A whole sign-in (every factor) succeeded: the failure count starts again, and it is recorded. */
export async function signInSucceeded(deps: Pick<CoreDeps, 'audit' | 'storage' | 'clock'>, o: Omit<SignInOutcome, 'outcome' | 'error' | 'factor'> & { user: User }): Promise<void> {
  await clearSignInFailures(deps, o.user);
  await recordSignIn(deps, { ...o, outcome: 'Pass' });
}
