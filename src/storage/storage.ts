/**
 * The storage contract. Every backend implements it and passes test/storage/conformance.
 * Atomic work is a single method (consume, update with a synchronous updater), so no
 * backend ever holds a transaction across an await in the core.
 */
import type {
  AuthorizationCode,
  BrowserSession,
  Client,
  CodePurpose,
  Group,
  OneTimeCode,
  RefreshToken,
  ResourceServer,
  SigningKey,
  TokenFamily,
  User,
  UserMfa,
  UserPool,
} from '../core/model.js';
import type { AuthEvent } from '../core/ports.js';

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends Error {
  /** Which unique key collided: 'username', or the alias attribute name. */
  readonly key: string;
  constructor(key: string) {
    super(`${key} already exists`);
    this.name = 'AlreadyExistsError';
    this.key = key;
  }
}

/**
 * A config plan assumed a pool or client was not stored yet, and another writer stored it after
 * the plan was built (instances applying one config file at once). Nothing was written; plan again.
 */
export class StalePlanError extends Error {
  constructor(what: string) {
    super(`the configuration plan is stale: ${what} was stored meanwhile`);
    this.name = 'StalePlanError';
  }
}

/** Opening a backend failed because its database could not be reached or refused us; the message says why. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/** A copy into PostgreSQL (migrate-data) was refused or failed; the message says why and whether anything changed (never, on failure: it is one transaction). */
export class DataMigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataMigrationError';
  }
}

/** A client as stored: the secret stays sealed. */
export interface StoredClient extends Omit<Client, 'secret'> {
  secretSealed?: string;
}

export interface PoolStore {
  get(id: string): Promise<UserPool | undefined>;
  /** A cheap check for hot paths (discovery, JWKS): no settings are read. */
  exists(id: string): Promise<boolean>;
  list(): Promise<UserPool[]>;
  /** Inserts or replaces a pool (the core has checked its settings). */
  put(pool: UserPool): Promise<void>;
  /** Deletes a pool with everything in it (clients, groups, users, keys, sessions, auth events); false when absent. */
  delete(id: string): Promise<boolean>;
}

export interface ClientStore {
  get(clientId: string): Promise<StoredClient | undefined>;
  listByPool(poolId: string): Promise<StoredClient[]>;
  /** Inserts or replaces a client; throws AlreadyExistsError when its id belongs to another pool. */
  put(client: StoredClient): Promise<void>;
  /** False when absent. */
  delete(clientId: string): Promise<boolean>;
}

export interface UserAlias {
  attribute: string;
  /** Normalised value (lower-cased where the pool is case-insensitive). */
  key: string;
}

export interface UserStore {
  get(poolId: string, userId: string): Promise<User | undefined>;
  findByUsernameKey(poolId: string, usernameKey: string): Promise<User | undefined>;
  findByAlias(poolId: string, attribute: string, key: string): Promise<User | undefined>;
  /** Throws AlreadyExistsError naming the colliding key. */
  create(user: User, usernameKey: string, aliases: UserAlias[]): Promise<void>;
  /** Applies a synchronous updater atomically; throws NotFoundError. */
  update(poolId: string, userId: string, updater: (user: User) => User): Promise<User>;
  /** Replace the aliases of a user; throws AlreadyExistsError when one is taken. */
  setAliases(poolId: string, userId: string, aliases: UserAlias[]): Promise<void>;
  count(poolId: string): Promise<number>;
  /** Deletes a user with its aliases, group memberships, codes and auth events; false when absent. */
  delete(poolId: string, userId: string): Promise<boolean>;
  /**
   * A page of users in a stable order; `next` (opaque) continues after the last one, absent at the
   * end. With a filter, the page holds only matching users (the same order and cursors), found
   * through an index rather than by reading the pool.
   */
  list(poolId: string, page: { after?: string; limit: number; filter?: UserListFilter }): Promise<{ users: User[]; next?: string }>;
}

/** The attributes users.list can filter on (each has a column of its own and an index). */
export const LISTABLE_ATTRIBUTES = ['email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username'] as const;
export type ListableAttribute = (typeof LISTABLE_ATTRIBUTES)[number];
/** Those a filter may compare folded. */
export const FOLDABLE_ATTRIBUTES = ['email', 'preferred_username'] as const;

/**
 * What users.list can narrow a page to. `=` is equality, `^=` a prefix (the empty prefix matches
 * every user that has the field); a user without the attribute never matches. `folded` (email and
 * preferred_username only) compares both sides lower-cased as String.prototype.toLowerCase does;
 * otherwise the comparison is exact. Which comparison a pool wants is the caller's business.
 */
export type UserListFilter =
  | { field: 'enabled'; value: boolean }
  | { field: 'usernameKey' | 'id' | 'status' | ListableAttribute; operator: '=' | '^='; value: string; folded?: boolean };

export interface GroupStore {
  listForUser(poolId: string, userId: string): Promise<Group[]>;
  /** Ordered by name. */
  listByPool(poolId: string): Promise<Group[]>;
  get(poolId: string, name: string): Promise<Group | undefined>;
  /** Throws AlreadyExistsError('group'). */
  create(group: Group): Promise<void>;
  /** Replaces an existing group's fields; throws NotFoundError. */
  update(group: Group): Promise<void>;
  /** Deletes the group and its memberships; false when absent. */
  delete(poolId: string, name: string): Promise<boolean>;
  /** Idempotent; throws NotFoundError when the group or the user does not exist. */
  addUser(poolId: string, userId: string, name: string, now: number): Promise<void>;
  /** Idempotent. */
  removeUser(poolId: string, userId: string, name: string): Promise<void>;
  /** Members of a group, in the same order as users.list. */
  listUsers(poolId: string, name: string): Promise<User[]>;
}

export interface ResourceServerStore {
  /** Ordered by identifier. */
  listByPool(poolId: string): Promise<ResourceServer[]>;
  get(poolId: string, identifier: string): Promise<ResourceServer | undefined>;
  /** Throws AlreadyExistsError('resource server'). */
  create(server: ResourceServer): Promise<void>;
  /** Replaces an existing resource server; throws NotFoundError. */
  update(server: ResourceServer): Promise<void>;
  /** False when absent. */
  delete(poolId: string, identifier: string): Promise<boolean>;
}

export type CodeCheck =
  | { status: 'ok' }
  | { status: 'missing' }
  | { status: 'expired' }
  | { status: 'mismatch'; attemptsLeft: number };

export interface OneTimeCodeStore {
  /** Stores a code, replacing any earlier code of the same purpose for the user. */
  put(code: OneTimeCode): Promise<void>;
  get(poolId: string, userId: string, purpose: CodePurpose): Promise<OneTimeCode | undefined>;
  /**
   * Atomically: a matching, unexpired code is deleted (used once); a wrong one counts an
   * attempt and is deleted at `maxAttempts`.
   */
  consume(poolId: string, userId: string, purpose: CodePurpose, codeHash: string, now: number, maxAttempts: number): Promise<CodeCheck>;
  /**
   * Atomically counts one more code sent to the user for `purpose` in the window starting at the
   * first send (a new window begins once `windowMs` has passed); returns the count including this one.
   */
  countSend(userId: string, purpose: CodePurpose, now: number, windowMs: number): Promise<number>;
}

export type CodeRedemption =
  | { status: 'ok'; code: AuthorizationCode }
  | { status: 'replayed'; code: AuthorizationCode }
  | { status: 'missing' };

export interface AuthorizationCodeStore {
  create(code: AuthorizationCode): Promise<void>;
  /** Atomically marks the code consumed; a second call reports a replay. */
  consume(codeHash: string, now: number): Promise<CodeRedemption>;
  /** Records which token family the redemption created. */
  setOriginJti(codeHash: string, originJti: string): Promise<void>;
  deleteExpired(before: number): Promise<number>;
}

export interface SessionStore {
  create(session: BrowserSession): Promise<void>;
  get(idHash: string): Promise<BrowserSession | undefined>;
  delete(idHash: string): Promise<void>;
  deleteForUser(poolId: string, userId: string): Promise<void>;
}

export interface FamilyWithUser { family: TokenFamily; user?: User }

export interface TokenStore {
  createFamily(family: TokenFamily): Promise<void>;
  /** The family and its user (undefined once deleted) in one read: what every request bearing an access token checks. */
  getFamilyWithUser(originJti: string): Promise<FamilyWithUser | undefined>;
  revokeFamily(originJti: string, now: number): Promise<void>;
  revokeFamiliesOfUser(poolId: string, userId: string, now: number): Promise<void>;
  createRefreshToken(token: RefreshToken): Promise<void>;
  getRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /** Atomically marks `oldHash` replaced and stores its successor; false if it was already replaced. */
  rotateRefreshToken(oldHash: string, next: RefreshToken, now: number): Promise<boolean>;
}

export interface KeyRotation {
  /** The keys that were active and are now retired, with retiredAt and publishUntil set. */
  retired: SigningKey[];
  /** Kids of retired keys whose publishUntil had passed, removed by this rotation. */
  deleted: string[];
}

export interface SigningKeyStore {
  /** Every key of the pool, active and retired, newest first. */
  listForPool(poolId: string): Promise<SigningKey[]>;
  /** Inserts unless the pool already has an active key for that purpose; returns the active one. */
  createIfAbsent(key: SigningKey): Promise<SigningKey>;
  /**
   * Atomically, for each new key (active, at most one per purpose): the pool's active key of that
   * purpose is retired (retiredAt = now, publishUntil) and the new key becomes active. Retired keys
   * whose publishUntil is at or before `now` are deleted. Throws AlreadyExistsError('kid') when a
   * new kid is taken, and then changes nothing.
   */
  rotate(poolId: string, newKeys: SigningKey[], now: number, publishUntil: number): Promise<KeyRotation>;
}

export interface SrpVerifier {
  poolId: string;
  userId: string;
  /** Padded hex, as sent to clients in SALT. */
  salt: string;
  verifierSealed: string;
  updatedAt: number;
}

export interface SrpVerifierStore {
  get(poolId: string, userId: string): Promise<SrpVerifier | undefined>;
  put(verifier: SrpVerifier): Promise<void>;
}

export interface SignInFailures {
  poolId: string;
  userId: string;
  failures: number;
  lastFailureAt: number;
  /** Epoch ms; 0 when not locked. */
  lockedUntil: number;
}

export interface LockoutStore {
  get(poolId: string, userId: string): Promise<SignInFailures | undefined>;
  /** Atomically replaces the record with what `next` makes of the current one. */
  recordFailure(poolId: string, userId: string, next: (current: SignInFailures | undefined) => SignInFailures): Promise<SignInFailures>;
  clear(poolId: string, userId: string): Promise<void>;
}

export interface MfaStore {
  get(poolId: string, userId: string): Promise<UserMfa | undefined>;
  /** Applies a synchronous updater atomically (to an empty record when the user has none); throws NotFoundError for an unknown user. */
  update(poolId: string, userId: string, updater: (current: UserMfa) => UserMfa): Promise<UserMfa>;
  /** Atomically records `step` as the last TOTP step used; false when it, or a later one, was used already. */
  useTotpStep(poolId: string, userId: string, step: number): Promise<boolean>;
}

export interface ChallengeUseStore {
  /** Marks a challenge session used; true only for the first caller (and not after too many failures). */
  consume(idHash: string, expiresAt: number, now: number): Promise<boolean>;
  /** Counts a wrong answer; at `maxFailures` the session is used up. Returns whether it is still usable. */
  recordFailure(idHash: string, expiresAt: number, maxFailures: number): Promise<boolean>;
  /** Whether the session may still be answered. */
  usable(idHash: string): Promise<boolean>;
}

export interface AuthEventStore {
  /** Stores an event; one whose user no longer exists is kept without its user. */
  append(event: AuthEvent): Promise<void>;
  /**
   * A page of a user's events, newest first (ties in time: last recorded first); `next` (opaque)
   * continues after the last one and is absent at the end. An `after` the store did not make
   * yields an empty page.
   */
  listForUser(poolId: string, userId: string, page: { limit: number; after?: string }): Promise<{ events: AuthEvent[]; next?: string }>;
  /** Deletes events recorded before `time` (epoch ms); returns how many. */
  deleteBefore(time: number): Promise<number>;
}

export interface RateLimitWindow {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** Epoch ms at which the window ends and the count starts again. */
  resetAt: number;
}

export interface RateLimitStore {
  /**
   * Atomically counts one request for `key` in its fixed window: the first request, or the first
   * at or after the window's end, starts a new window of `windowMs` at `now`.
   */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitWindow>;
  /** Deletes counters whose window ended at or before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** Whether a backend can serve requests (GET /ready): it answers a trivial query and every migration file is applied. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/** Everything a config file (or later an admin call) writes, applied all-or-nothing. */
export interface ConfigPlan {
  pools: UserPool[];
  clients: StoredClient[];
  groups: Group[];
  resourceServers: ResourceServer[];
  /** Created only when no user with that username exists. */
  users: { user: User; usernameKey: string; aliases: UserAlias[]; groups: string[] }[];
  /**
   * The pools and clients the plan makes because it found none when it was built: by id, and by
   * name where the definition gave no id (it would have matched a stored one by name). If one of
   * them exists when the plan is applied, applyConfig writes nothing and throws StalePlanError.
   */
  creates: { pools: { id: string; byName?: string }[]; clients: { id: string; poolId: string; byName?: string }[] };
}

export interface Storage {
  pools: PoolStore;
  clients: ClientStore;
  users: UserStore;
  groups: GroupStore;
  resourceServers: ResourceServerStore;
  codes: OneTimeCodeStore;
  authorizationCodes: AuthorizationCodeStore;
  sessions: SessionStore;
  tokens: TokenStore;
  signingKeys: SigningKeyStore;
  srpVerifiers: SrpVerifierStore;
  lockout: LockoutStore;
  mfa: MfaStore;
  challengeUses: ChallengeUseStore;
  /** The audit trail; a user's events are deleted with the user. */
  authEvents: AuthEventStore;
  /** Request counters of the per-address rate limit, for instances that share them. */
  rateLimits: RateLimitStore;
  /**
   * Applies a whole plan in one transaction, one apply at a time; throws AlreadyExistsError on a
   * cross-pool client id clash and StalePlanError when a pool or client it creates exists by then.
   */
  applyConfig(plan: ConfigPlan): Promise<void>;
  /**
   * Runs `work` while no other process sharing the database runs an exclusive section of the same
   * name (PostgreSQL: a session advisory lock; SQLite: one process per file is the norm, so an
   * in-process queue). Used so instances starting together apply a config file one after another,
   * each seeing what the previous one wrote.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Arbitrary small metadata (e.g. whether the example was seeded). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Never throws: an unreachable database or a pending migration is a reason, safe to show a load balancer. */
  ready(): Promise<Readiness>;
  close(): Promise<void>;
}
