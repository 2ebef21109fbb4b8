import type { TotpCodes } from '../core/ports.js';

const PERIOD_S = 30;

/** Imported on first use: most servers never see an authenticator app, and otplib brings its own crypto and base32 code. */
let loaded: Promise<typeof import('otplib')> | undefined;
const otplib = () => (loaded ??= import('otplib'));

/** TOTP through otplib: 6 digits, 30-second steps, SHA-1, one step of drift either way. */
export const otplibTotp: TotpCodes = {
  async verify(secretBase32, code, atMs, afterStep) {
    if (!/^\d{6}$/.test(code)) return undefined;
    const { verify } = await otplib();
    try {
      const result = await verify({
        secret: secretBase32, token: code, epoch: Math.floor(atMs / 1000), epochTolerance: PERIOD_S, afterTimeStep: afterStep,
        period: PERIOD_S, digits: 6, algorithm: 'sha1',
      });
      // The TOTP strategy reports the matched step (the type is shared with HOTP, which does not).
      return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : undefined;
    } catch {
      // A malformed secret or code is simply not a match.
      return undefined;
    }
  },
  async uri(secretBase32, issuer, account) {
    const { generateURI } = await otplib();
    return generateURI({ secret: secretBase32, issuer, label: account, period: PERIOD_S, digits: 6, algorithm: 'sha1' });
  },
};
