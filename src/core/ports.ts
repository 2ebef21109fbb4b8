/** What the core needs from the outside world. Implementations live in src/infra. */
import type { KeyPurpose, SigningKey } from './model.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface Random {
  /** URL-safe random token with `bytes` bytes of entropy. */
  token(bytes?: number): string;
  uuid(): string;
  /** A string of `length` decimal digits, uniformly distributed. */
  digits(length: number): string;
  /** A string of `length` characters from `alphabet`, uniformly distributed. */
  fromAlphabet(alphabet: string, length: number): string;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spend the same work as a verify, for users that do not exist. */
  verifyDummy(password: string): Promise<void>;
  /** Whether a hash was made with other parameters than `hash` uses now (so: hash again at the next sign-in). */
  needsRehash(hash: string): boolean;
}

/** Keyed crypto with the server's master key: secrets at rest and code digests. */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** Keyed digest, so that a stolen database does not reveal short codes by brute force. */
  digest(value: string): string;
}

/**
 * Counts requests per client address where every instance sees the same counts (the rate limit's
 * store when instances share a database).
 */
export interface RateLimitCounter {
  /** Counts one request for `key` in a fixed window of `windowMs`: the count so far (this one included) and the time left in the window. */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
}

export interface Jwks {
  keys: Record<string, unknown>[];
}

export interface VerifiedJwt {
  poolId: string;
  /** Shared with later verifications of the same token: never changed by its readers. */
  payload: Readonly<Record<string, unknown>>;
}

export interface TokenSigner {
  sign(poolId: string, purpose: KeyPurpose, claims: Record<string, unknown>): Promise<string>;
  /** Verifies signature, issuer and expiry; throws AppError InvalidToken otherwise. */
  verify(token: string): Promise<VerifiedJwt>;
  jwks(poolId: string): Promise<Jwks>;
  /** Make sure the pool has its signing keys (idempotent). */
  ensureKeys(poolId: string): Promise<void>;
  /** A new, unstored key pair for the pool: active, its private half sealed, its kid the JWK thumbprint. */
  generateKey(poolId: string, purpose: KeyPurpose): Promise<SigningKey>;
  /**
   * Forget what is cached for the pool so the next use reads storage. Without it a change shows
   * within the signer's refresh period (10 s), which is how other processes learn of it.
   */
  refresh(poolId: string): void;
}

/** RFC 6238 one-time passwords (6 digits, 30 s, SHA-1), as authenticator apps make them. */
export interface TotpCodes {
  /**
   * The time step a code matches, within one step either side of `atMs` and later than
   * `afterStep` (a code is good once); undefined when it matches none.
   */
  verify(secretBase32: string, code: string, atMs: number, afterStep: number): Promise<number | undefined>;
  /** The otpauth:// URI an authenticator app reads from a QR code. */
  uri(secretBase32: string, issuer: string, account: string): Promise<string>;
}

export interface OutgoingMessage {
  /** How it travels: email (SMTP) or SMS (a webhook, or the log). */
  channel: 'email' | 'sms';
  /** An email address or an E.164 phone number. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** What the message is for; used to decide whether it may be logged in development. */
  kind: 'signup_code' | 'forgot_password_code' | 'verification_code' | 'invitation' | 'mfa_code';
  poolId: string;
  username: string;
}

export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}

export interface Issuer {
  /** The `iss` of tokens of a pool. */
  issuerFor(poolId: string): string;
  /** The pool id of an issuer URL, or undefined when it is not one of ours. */
  poolIdOf(issuer: string): string | undefined;
}

/** What happened, in the vocabulary of Cognito's AdminListUserAuthEvents. */
export type AuthEventType =
  | 'SignIn'
  | 'SignUp'
  | 'ConfirmSignUp'
  | 'ResendCode'
  | 'ForgotPassword'
  | 'ConfirmForgotPassword'
  | 'PasswordChange'
  | 'MfaChange'
  | 'TokenRefresh'
  | 'TokenRevocation'
  | 'GlobalSignOut';

export interface AuthEventInput {
  type: AuthEventType;
  poolId: string;
  /** The user's sub, when the user is known. */
  userId?: string;
  /** The name the caller gave (for failures on unknown users). */
  username?: string;
  clientId?: string;
  outcome: 'Pass' | 'Fail';
  /** A short machine-readable reason for a failure (e.g. 'NotAuthorized', 'CodeMismatch'). */
  reason?: string;
  /** The factors checked, as Cognito lists them (Password, Mfa). */
  challenges?: { name: 'Password' | 'Mfa'; response: 'Success' | 'Failure' }[];
}

/** An event as recorded: the input stamped with its id, its time and where the request came from. */
export interface AuthEvent extends Omit<AuthEventInput, 'challenges'> {
  /** A UUID (EventId). */
  id: string;
  /** Epoch milliseconds. */
  createdAt: number;
  challenges: NonNullable<AuthEventInput['challenges']>;
  /** The client address as the server saw it (X-Forwarded-For is not read). */
  ip?: string;
  userAgent?: string;
}

/**
 * The audit trail. The implementation stamps time, id, and the request's IP and user agent
 * (which the core does not know), stores the event and logs it; recording never fails a flow.
 */
export interface AuditTrail {
  record(event: AuthEventInput): Promise<void>;
}

/** Passwords known from breaches, too common to accept whatever the policy's character rules say. */
export interface BreachedPasswordList {
  /** True when the password, or its lower-cased form, is on the list. */
  isBreached(password: string): boolean;
}
