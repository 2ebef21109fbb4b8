/**
 * Cognito's lockout after failed sign-ins: the first 5 failures are free, then each further one
 * locks the user for 2^(n-5) seconds (capped at 15 minutes); attempts while locked are refused
 * without counting, and the count starts again after 15 minutes without a failure.
 */
import { AppError } from '../../errors/app-error.js';
import type { SignInFailures } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { User } from '../model.js';

export const FREE_FAILURES = 5;
export const RESET_AFTER_MS = 15 * 60_000;
export const MAX_LOCK_MS = 15 * 60_000;

type Deps = Pick<CoreDeps, 'storage' | 'clock'>;

/** The record after one more failure at `now`. Pure, so the rule is tested without a database. */
export function nextFailure(current: SignInFailures | undefined, user: Pick<User, 'id' | 'poolId'>, now: number): SignInFailures {
  const fresh = !current || now - current.lastFailureAt > RESET_AFTER_MS;
  const failures = fresh ? 1 : current.failures + 1;
  const lockMs = failures > FREE_FAILURES ? Math.min(2 ** (failures - FREE_FAILURES) * 1000, MAX_LOCK_MS) : 0;
  return { poolId: user.poolId, userId: user.id, failures, lastFailureAt: now, lockedUntil: lockMs ? now + lockMs : 0 };
}

export const attemptsExceeded = () => new AppError('NotAuthorized', 'Password attempts exceeded');

export async function isLockedOut(deps: Deps, user: User): Promise<boolean> {
  const record = await deps.storage.lockout.get(user.poolId, user.id);
  return record !== undefined && record.lockedUntil > deps.clock.now();
}

export async function recordSignInFailure(deps: Deps, user: User): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.lockout.recordFailure(user.poolId, user.id, (current) => nextFailure(current, user, now));
}

export async function clearSignInFailures(deps: Deps, user: User): Promise<void> {
  if (await deps.storage.lockout.get(user.poolId, user.id)) await deps.storage.lockout.clear(user.poolId, user.id);
}
