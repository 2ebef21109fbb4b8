/**
 * The second step of a sign-in, after the password (or SRP proof) and the account state checks:
 * shared by the Cognito API's challenges and the hosted /mfa pages.
 */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { MfaType, User, UserPool } from '../model.js';
import { consumeCode, sendCode, type CodeDeliveryDetails } from '../users/codes.js';
import { attemptsExceeded, isLockedOut, recordSignInFailure } from '../users/lockout.js';
import { amrFor, poolMfaTypes, usableMfaTypes } from './factors.js';
import { checkTotpCode } from './software-token.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'sender' | 'totp'>;

export type SecondFactorStep =
  /** No second factor: sign the user in with these methods. */
  | { kind: 'done'; amr: string[] }
  /** Ask for a code of this factor (startFactor sends an SMS code first). */
  | { kind: 'challenge'; factor: MfaType }
  /** Several factors and no preference: the user picks one. */
  | { kind: 'select'; options: MfaType[] }
  /** The pool requires MFA and the user has none: set up an authenticator app first. */
  | { kind: 'setup'; options: MfaType[] };

export async function secondFactorStep(deps: Pick<CoreDeps, 'storage'>, pool: UserPool, user: User): Promise<SecondFactorStep> {
  if (poolMfaTypes(pool).length === 0) return { kind: 'done', amr: amrFor(undefined) };
  const mfa = await deps.storage.mfa.get(pool.id, user.id);
  const usable = usableMfaTypes(pool, user, mfa);
  if (usable.length === 0) {
    if (pool.settings.mfaConfiguration !== 'ON') return { kind: 'done', amr: amrFor(undefined) };
    if (!poolMfaTypes(pool).includes('SOFTWARE_TOKEN_MFA')) {
      throw new AppError('InvalidParameter', 'MFA is required but the user has no phone number for SMS codes; ask an administrator to add one.');
    }
    return { kind: 'setup', options: ['SOFTWARE_TOKEN_MFA'] };
  }
  if (usable.length === 1) return { kind: 'challenge', factor: usable[0]! };
  if (mfa?.preferred && usable.includes(mfa.preferred)) return { kind: 'challenge', factor: mfa.preferred };
  return { kind: 'select', options: usable };
}

/** Starts a factor's challenge: an SMS factor gets a fresh code by text message. */
export async function startFactor(deps: Deps, pool: UserPool, user: User, factor: MfaType): Promise<CodeDeliveryDetails | undefined> {
  if (factor !== 'SMS_MFA') return undefined;
  return sendCode(deps, pool, user, 'sms_mfa');
}

/**
 * Checks a second-factor code. Wrong codes count towards the same lockout as wrong passwords,
 * so a stolen password does not buy unlimited guesses; a locked user is refused either way.
 * Returns the amr of the completed sign-in.
 */
export async function checkFactor(deps: Deps, pool: UserPool, user: User, factor: MfaType, code: string | undefined): Promise<string[]> {
  if (!code) throw new AppError('InvalidParameter', `Missing required parameter ${factor === 'SMS_MFA' ? 'SMS_MFA_CODE' : 'SOFTWARE_TOKEN_MFA_CODE'}`);
  if (await isLockedOut(deps, user)) throw attemptsExceeded();
  let ok: boolean;
  if (factor === 'SOFTWARE_TOKEN_MFA') {
    ok = await checkTotpCode(deps, user, await deps.storage.mfa.get(pool.id, user.id), code);
  } else {
    try {
      await consumeCode(deps, user, 'sms_mfa', code);
      ok = true;
    } catch (error) {
      // A wrong code, or one used up by wrong guesses, counts towards the lockout like any wrong code.
      if (error instanceof AppError && error.code === 'ExpiredCode') {
        await recordSignInFailure(deps, user);
        throw error;
      }
      if (!(error instanceof AppError && error.code === 'CodeMismatch')) throw error;
      ok = false;
    }
  }
  if (!ok) {
    await recordSignInFailure(deps, user);
    throw new AppError('CodeMismatch', 'Invalid code received for user');
  }
  return amrFor(factor);
}
