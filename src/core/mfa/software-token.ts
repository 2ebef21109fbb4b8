/** Authenticator-app (TOTP) secrets: hand one out, verify the first code, check codes at sign-in. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserMfa, UserPool } from '../model.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 32 base32 characters = 160 bits, the length Cognito hands out and RFC 4226 recommends. */
const SECRET_LENGTH = 32;

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'totp'>;

/** AssociateSoftwareToken: a new secret, kept aside until a code from it is verified. */
export async function associateSoftwareToken(deps: Deps, pool: UserPool, user: User): Promise<{ secret: string; uri: string }> {
  const secret = deps.random.fromAlphabet(BASE32, SECRET_LENGTH);
  const now = deps.clock.now();
  await deps.storage.mfa.update(pool.id, user.id, (m) => ({ ...m, totpPendingSealed: deps.box.seal(secret), updatedAt: now }));
  return { secret, uri: await deps.totp.uri(secret, pool.name, user.attributes.email ?? user.username) };
}

/** The secret being set up, if any (the hosted setup page shows the same one again after a wrong code). */
export async function pendingSoftwareToken(deps: Deps, pool: UserPool, user: User): Promise<{ secret: string; uri: string } | undefined> {
  const current = await deps.storage.mfa.get(pool.id, user.id);
  if (!current?.totpPendingSealed) return undefined;
  const secret = deps.box.open(current.totpPendingSealed);
  return { secret, uri: await deps.totp.uri(secret, pool.name, user.attributes.email ?? user.username) };
}

/**
 * VerifySoftwareToken: the first code from the new secret proves the app holds it; the secret
 * then replaces any earlier one and TOTP MFA is on for the user.
 */
export async function verifySoftwareToken(deps: Deps, pool: UserPool, user: User, code: string): Promise<UserMfa> {
  const current = await deps.storage.mfa.get(pool.id, user.id);
  if (!current?.totpPendingSealed) throw new AppError('InvalidParameter', 'User has not associated a software token; call AssociateSoftwareToken first.');
  const secret = deps.box.open(current.totpPendingSealed);
  const step = await deps.totp.verify(secret, code.trim(), deps.clock.now(), 0);
  if (step === undefined) throw new AppError('EnableSoftwareTokenMfa', 'Code mismatch and fail enable Software Token MFA mode');
  const now = deps.clock.now();
  return deps.storage.mfa.update(pool.id, user.id, (m) => {
    // A concurrent associate replaced the secret: this code was for the old one.
    if (m.totpPendingSealed !== current.totpPendingSealed) throw new AppError('EnableSoftwareTokenMfa', 'Code mismatch and fail enable Software Token MFA mode');
    return { ...m, totpSecretSealed: m.totpPendingSealed, totpPendingSealed: undefined, totpEnabled: true, totpLastStep: step, updatedAt: now };
  });
}

/** True when `code` is a fresh TOTP code of the user's verified secret; each code works once. */
export async function checkTotpCode(deps: Deps, user: User, mfa: UserMfa | undefined, code: string): Promise<boolean> {
  if (!mfa?.totpSecretSealed) return false;
  const step = await deps.totp.verify(deps.box.open(mfa.totpSecretSealed), code.trim(), deps.clock.now(), mfa.totpLastStep);
  return step !== undefined && (await deps.storage.mfa.useTotpStep(user.poolId, user.id, step));
}
