import { createHash } from 'node:crypto';
import { secretsEqual } from './client-auth.js';

/** RFC 7636 verifier and challenge: 43–128 characters of the unreserved set. */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export function verifyPkce(challenge: string, verifier: string | undefined): boolean {
  return verifier !== undefined && PKCE_VALUE.test(verifier) && secretsEqual(s256(verifier), challenge);
}
