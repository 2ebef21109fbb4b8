/**
 * Server side of Amazon Cognito's SRP-6a variant (USER_SRP_AUTH → PASSWORD_VERIFIER), see
 * "4.7 USER_SRP_AUTH" of the Cognito contract. Pure: bigint arithmetic and node:crypto only.
 *
 * Cognito's choices, which a client (amazon-cognito-identity-js, Amplify, pycognito, the
 * SDKs' helpers) hard-codes and we therefore must copy exactly:
 * - group: the RFC 5054 / RFC 3526 3072-bit prime, g = 2, H = SHA-256;
 * - every hash of a number is over the bytes of PAD(number), PAD being Java's
 *   BigInteger.toByteArray(): minimal big-endian bytes plus a 0x00 when the top bit is set;
 * - x = H(PAD(salt) || H(poolName + username + ':' + password)) — the pool name (the id after
 *   '_') takes SRP's "identity" slot, and the salt goes through PAD as an *integer*, so leading
 *   zero bytes of a random salt disappear on the client's side;
 * - the session key is not H(S) but 16 bytes of HKDF-SHA256(ikm = PAD(S), salt = PAD(u),
 *   info = 'Caldera Derived Key'), and the proof is an HMAC over pool name, user, the server's
 *   SECRET_BLOCK and a timestamp — not SRP's M1/M2 exchange. The server sends no proof back.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Malformed SRP input: a value that is not hex, or a public value that is 0 mod N. */
export class SrpError extends Error {
  override name = 'SrpError';
}

/** RFC 5054 appendix A, 3072-bit group (identical to RFC 3526 group 15). */
export const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
export const N = BigInt(`0x${N_HEX}`);
export const g = 2n;

/** Longest hex number accepted from outside; N is 768 digits, so this only stops absurd input. */
const MAX_HEX_DIGITS = 2048;
/** Bytes of the server's secret exponent b (the contract's 256 bits). */
const B_SECRET_BYTES = 32;
/** Bytes of a fresh salt; Cognito's own clients use 16 for device verifiers. */
const SALT_BYTES = 16;
const HKDF_INFO = 'Caldera Derived Key';
const KEY_BYTES = 16;

/**
 * Java's BigInteger.toByteArray() in hex: even length, and a leading 00 when the top bit is set
 * so the number reads as positive. Cognito hashes numbers in this form, so a missing or extra
 * 00 changes every hash. Only non-negative values occur in SRP; negatives are a bug here.
 */
export function padHex(value: bigint): string {
  if (value < 0n) throw new SrpError('padHex takes a non-negative integer');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

/** SHA-256 over the bytes a hex string encodes, as 64 hex digits. */
export function hashHex(hex: string): string {
  // Buffer.from(…, 'hex') silently drops an odd last digit or stops at a non-hex one; refuse instead.
  if (hex.length % 2 === 1 || !/^[0-9a-fA-F]*$/.test(hex)) throw new SrpError('hashHex takes an even-length hex string');
  return createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
}

const hashUtf8 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A hex number as sent by a client (any case, any length ≥ 1, leading zeros allowed: A is sent unpadded). */
function parseHex(hex: string, what: string): bigint {
  if (typeof hex !== 'string' || hex.length === 0 || hex.length > MAX_HEX_DIGITS || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new SrpError(`${what} is not a hex number`);
  }
  return BigInt(`0x${hex}`);
}

/**
 * base^exponent mod modulus by left-to-right square-and-multiply over 4-bit windows (one
 * multiplication per hex digit of the exponent instead of one per set bit). Native bigint
 * multiplication is not constant-time, so neither is this; the secret exponents it sees (b)
 * are fresh per sign-in attempt, which limits what a timing observer can accumulate.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 0n) throw new RangeError('modPow needs a positive modulus');
  if (exponent < 0n) throw new RangeError('modPow needs a non-negative exponent');
  if (modulus === 1n) return 0n;
  const b = ((base % modulus) + modulus) % modulus;
  const table: bigint[] = [1n];
  for (let i = 1; i < 16; i++) table.push((table[i - 1]! * b) % modulus);
  let result = 1n;
  for (const digit of exponent.toString(16)) {
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    result = (result * result) % modulus;
    const d = parseInt(digit, 16);
    if (d !== 0) result = (result * table[d]!) % modulus;
  }
  return result;
}

/** SRP-6a multiplier k = H(PAD(N) || PAD(g)). */
export const k = BigInt(`0x${hashHex(padHex(N) + padHex(g))}`);

/**
 * Salt and verifier for a password, to be stored instead of anything reversible.
 * `poolName` is the part of the pool id after '_'; `username` is the real username (what
 * USER_ID_FOR_SRP will say, a UUID for email/phone-as-username pools), because the client
 * hashes whatever USER_ID_FOR_SRP says. The returned salt is the canonical PAD form, which is
 * also what the client will hash after reading SALT back as an integer.
 */
export function computeVerifier(
  poolName: string,
  username: string,
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
): { salt: string; verifier: string } {
  if (salt.length === 0) throw new SrpError('salt must not be empty');
  const saltHex = padHex(BigInt(`0x${salt.toString('hex')}`));
  const x = BigInt(`0x${hashHex(saltHex + hashUtf8(`${poolName}${username}:${password}`))}`);
  return { salt: saltHex, verifier: padHex(modPow(g, x, N)) };
}

/**
 * InitiateAuth's half: B = k·v + g^b mod N for the client's A. Throws SrpError when A is not hex
 * or A ≡ 0 (mod N) — a client sending that could force S = 0 and sign in without a password.
 * `bHex` is the secret to keep server-side (e.g. sealed in the Session) until the response;
 * `srpBHex` is SRP_B (plain hex; clients parse it as an integer).
 */
export function startPasswordVerifier(input: {
  verifierHex: string;
  srpAHex: string;
  random: (n: number) => Buffer;
}): { bHex: string; srpBHex: string } {
  const A = parseHex(input.srpAHex, 'SRP_A');
  if (A % N === 0n) throw new SrpError('SRP_A mod N must not be 0');
  const v = parseHex(input.verifierHex, 'verifier');
  // B ≡ 0 would let the client's check fail (and b = 0 makes g^b public); draw again. With a sane
  // random source neither ever happens, so a handful of tries means the source is broken.
  for (let attempt = 0; attempt < 8; attempt++) {
    const b = BigInt(`0x${input.random(B_SECRET_BYTES).toString('hex') || '0'}`);
    if (b === 0n) continue;
    const B = (k * v + modPow(g, b, N)) % N;
    if (B !== 0n) return { bHex: padHex(b), srpBHex: B.toString(16) };
  }
  throw new SrpError('could not draw a usable b; is the random source broken?');
}

/**
 * RespondToAuthChallenge's half: does PASSWORD_CLAIM_SIGNATURE prove knowledge of the password?
 * The caller must separately check that PASSWORD_CLAIM_SECRET_BLOCK is the block it issued (pass
 * that block here), that `userIdForSrp` is the user the challenge was issued to, and that the
 * timestamp is recent (parseSrpTimestamp). Hex inputs come from the server's own state, so a
 * malformed one throws SrpError; a wrong proof returns false.
 */
export function verifyPasswordClaim(input: {
  poolName: string;
  userIdForSrp: string;
  verifierHex: string;
  bHex: string;
  srpAHex: string;
  srpBHex: string;
  secretBlockB64: string;
  timestamp: string;
  signatureB64: string;
}): boolean {
  const A = parseHex(input.srpAHex, 'SRP_A');
  const B = parseHex(input.srpBHex, 'SRP_B');
  const v = parseHex(input.verifierHex, 'verifier');
  const b = parseHex(input.bHex, 'b');
  if (A % N === 0n) return false;
  // u from the integers, not the wire strings: the client pads its own A and the B it parsed.
  const u = BigInt(`0x${hashHex(padHex(A) + padHex(B))}`);
  if (u === 0n) return false;
  const S = modPow((A * modPow(v, u, N)) % N, b, N);
  // Cognito appends 0x01 to 'Caldera Derived Key' and keeps 16 bytes of one HMAC: that is exactly
  // RFC 5869 HKDF-Expand's first block, so the standard HKDF with L = 16 computes the same key.
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(padHex(S), 'hex'), Buffer.from(padHex(u), 'hex'), HKDF_INFO, KEY_BYTES));
  const expected = createHmac('sha256', key)
    .update(Buffer.from(input.poolName, 'utf8'))
    .update(Buffer.from(input.userIdForSrp, 'utf8'))
    .update(Buffer.from(input.secretBlockB64, 'base64'))
    .update(Buffer.from(input.timestamp, 'utf8'))
    .digest();
  const claimed = Buffer.from(input.signatureB64, 'base64');
  return claimed.length === expected.length && timingSafeEqual(claimed, expected);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const two = (n: number) => String(n).padStart(2, '0');

/** Java's `EEE MMM d HH:mm:ss 'UTC' yyyy` in UTC, e.g. `Tue Sep 3 08:05:09 UTC 2024` (day not padded). */
export function formatSrpTimestamp(date: Date): string {
  return (
    `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

const TIMESTAMP = new RegExp(
  `^(${WEEKDAYS.join('|')}) (${MONTHS.join('|')}) ([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})$`,
);

/**
 * The instant a TIMESTAMP names, or undefined unless it is exactly what formatSrpTimestamp would
 * print for it: a zero-padded day, a wrong weekday or an impossible date (Feb 30) are refused,
 * as real Cognito refuses `Sep 05` and wrong weekdays. The signature covers the string as sent,
 * so this only serves the freshness check.
 */
export function parseSrpTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, , month, day, hh, mm, ss, year] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), MONTHS.indexOf(month as (typeof MONTHS)[number]), Number(day));
  date.setUTCHours(Number(hh), Number(mm), Number(ss), 0);
  return formatSrpTimestamp(date) === text ? date : undefined;
}
