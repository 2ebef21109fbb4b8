/**
 * Rows as both backends read them (same tables and columns, kept identical by the schema-parity
 * test) and how each becomes a domain object: one definition for SQLite and PostgreSQL.
 */
import type {
  AuthorizationCode, BrowserSession, Group, MfaType, OneTimeCode, RefreshToken, ResourceServer, SigningKey, TokenFamily, User, UserMfa, UserPool,
} from '../core/model.js';
import type { AuthEvent } from '../core/ports.js';
import type { FamilyWithUser, StoredClient } from './storage.js';

/** JSON columns are TEXT in both backends. */
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;
export const toJson = (value: unknown): string => JSON.stringify(value);
/** NULL → undefined, as the domain model has optional fields rather than nulls. */
export const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export interface CodeRow { pool_id: string; user_id: string; purpose: string; code_hash: string; expires_at: number; attempts: number; created_at: number }
export interface AuthCodeRow {
  code_hash: string; pool_id: string; client_id: string; user_id: string; redirect_uri: string; scopes: string;
  nonce: string | null; code_challenge: string | null; auth_time: number; amr: string; created_at: number;
  expires_at: number; consumed_at: number | null; origin_jti: string | null;
}
export interface SessionRow { id_hash: string; pool_id: string; user_id: string; auth_time: number; amr: string; created_at: number; expires_at: number }
export interface FamilyRow { origin_jti: string; pool_id: string; client_id: string; user_id: string; created_at: number; revoked_at: number | null }
export interface RefreshRow {
  token_hash: string; origin_jti: string; pool_id: string; client_id: string; user_id: string; scopes: string;
  auth_time: number; amr: string; with_id_token: number; created_at: number; expires_at: number; replaced_at: number | null;
}
export interface KeyRow {
  kid: string; pool_id: string; purpose: string; algorithm: string; private_jwk_sealed: string; public_jwk: string; status: string;
  created_at: number; retired_at: number | null; publish_until: number | null;
}
export const codeFromRow = (r: CodeRow): OneTimeCode => ({
  poolId: r.pool_id, userId: r.user_id, purpose: r.purpose as OneTimeCode['purpose'], codeHash: r.code_hash,
  expiresAt: r.expires_at, attempts: r.attempts, createdAt: r.created_at,
});
export const authCodeFromRow = (r: AuthCodeRow): AuthorizationCode => ({
  codeHash: r.code_hash, poolId: r.pool_id, clientId: r.client_id, userId: r.user_id, redirectUri: r.redirect_uri,
  scopes: fromJson(r.scopes), nonce: optional(r.nonce), codeChallenge: optional(r.code_challenge), authTime: r.auth_time,
  amr: fromJson(r.amr), createdAt: r.created_at, expiresAt: r.expires_at, consumedAt: optional(r.consumed_at),
  originJti: optional(r.origin_jti),
});
export const sessionFromRow = (r: SessionRow): BrowserSession => ({
  idHash: r.id_hash, poolId: r.pool_id, userId: r.user_id, authTime: r.auth_time, amr: fromJson(r.amr),
  createdAt: r.created_at, expiresAt: r.expires_at,
});
export const familyFromRow = (r: FamilyRow): TokenFamily => ({
  originJti: r.origin_jti, poolId: r.pool_id, clientId: r.client_id, userId: r.user_id, createdAt: r.created_at,
  revokedAt: optional(r.revoked_at),
});
export const refreshFromRow = (r: RefreshRow): RefreshToken => ({
  tokenHash: r.token_hash, originJti: r.origin_jti, poolId: r.pool_id, clientId: r.client_id, userId: r.user_id,
  scopes: fromJson(r.scopes), authTime: r.auth_time, amr: fromJson(r.amr), withIdToken: r.with_id_token === 1,
  createdAt: r.created_at, expiresAt: r.expires_at, replacedAt: optional(r.replaced_at),
});
export const keyFromRow = (r: KeyRow): SigningKey => ({
  kid: r.kid, poolId: r.pool_id, purpose: r.purpose as SigningKey['purpose'], algorithm: 'RS256',
  privateJwkSealed: r.private_jwk_sealed, publicJwk: fromJson(r.public_jwk), status: r.status as SigningKey['status'],
  createdAt: r.created_at, retiredAt: optional(r.retired_at), publishUntil: optional(r.publish_until),
});
export interface PoolRow { id: string; name: string; settings: string; created_at: number; updated_at: number }
export interface ClientRow { id: string; pool_id: string; name: string; secret_sealed: string | null; settings: string; created_at: number; updated_at: number }
export interface GroupRow { pool_id: string; name: string; description: string | null; precedence: number | null; role_arn: string | null; created_at: number; updated_at: number }
export interface ResourceServerRow { pool_id: string; identifier: string; name: string; scopes: string }
export interface UserRow {
  id: string; pool_id: string; username: string; username_key?: string; status: string; enabled: number; password_hash: string | null;
  attributes: string; created_at: number; updated_at: number; password_updated_at: number;
}
/**
 * The users columns a UserRow holds, for SELECTs: not `*`, which would also read the filter
 * columns (copies of attributes kept for indexing only) into every row object.
 */
const USER_COLUMN_NAMES = ['id', 'pool_id', 'username', 'username_key', 'status', 'enabled', 'password_hash', 'attributes', 'created_at', 'updated_at', 'password_updated_at'];
export const USER_COLUMNS = USER_COLUMN_NAMES.join(', ');
/** The same columns of `users u`, for joins. */
export const USER_COLUMNS_OF_U = USER_COLUMN_NAMES.map((column) => `u.${column}`).join(', ');
/**
 * A token family with its user's columns (all null once the user is deleted): the one read every
 * request bearing an access token makes. `placeholder` is the dialect's first parameter (? or $1).
 */
export type FamilyUserRow = { f_origin_jti: string; f_pool_id: string; f_client_id: string; f_user_id: string; f_created_at: number; f_revoked_at: number | null }
  & ({ [K in keyof UserRow]: null } | UserRow);
export const familyWithUserSql = (placeholder: string) => `SELECT f.origin_jti AS f_origin_jti, f.pool_id AS f_pool_id,
    f.client_id AS f_client_id, f.user_id AS f_user_id, f.created_at AS f_created_at, f.revoked_at AS f_revoked_at, ${USER_COLUMNS_OF_U}
  FROM token_families f LEFT JOIN users u ON u.pool_id = f.pool_id AND u.id = f.user_id WHERE f.origin_jti = ${placeholder}`;
export const familyWithUserFromRow = (r: FamilyUserRow): FamilyWithUser => ({
  family: familyFromRow({
    origin_jti: r.f_origin_jti, pool_id: r.f_pool_id, client_id: r.f_client_id, user_id: r.f_user_id, created_at: r.f_created_at, revoked_at: r.f_revoked_at,
  }),
  user: r.id === null ? undefined : userFromRow(r),
});
export const poolFromRow = (r: PoolRow): UserPool => ({
  id: r.id, name: r.name, settings: fromJson(r.settings), createdAt: r.created_at, updatedAt: r.updated_at,
});
export const clientFromRow = (r: ClientRow): StoredClient => ({
  id: r.id, poolId: r.pool_id, name: r.name, secretSealed: optional(r.secret_sealed),
  settings: fromJson(r.settings), createdAt: r.created_at, updatedAt: r.updated_at,
});
export const groupFromRow = (r: GroupRow): Group => ({
  poolId: r.pool_id, name: r.name, description: optional(r.description), precedence: optional(r.precedence),
  roleArn: optional(r.role_arn), createdAt: r.created_at, updatedAt: r.updated_at,
});
export const resourceServerFromRow = (r: ResourceServerRow): ResourceServer => ({
  poolId: r.pool_id, identifier: r.identifier, name: r.name, scopes: fromJson(r.scopes),
});
export const userFromRow = (r: UserRow): User => ({
  id: r.id, poolId: r.pool_id, username: r.username, status: r.status as User['status'], enabled: r.enabled === 1,
  passwordHash: r.password_hash, attributes: fromJson(r.attributes), createdAt: r.created_at,
  updatedAt: r.updated_at, passwordUpdatedAt: r.password_updated_at,
});
export interface MfaRow {
  user_id: string; pool_id: string; totp_secret_sealed: string | null; totp_pending_sealed: string | null;
  totp_enabled: number; sms_enabled: number; preferred: string | null; totp_last_step: number; updated_at: number;
}
export const mfaFromRow = (r: MfaRow): UserMfa => ({
  poolId: r.pool_id, userId: r.user_id, totpSecretSealed: optional(r.totp_secret_sealed), totpPendingSealed: optional(r.totp_pending_sealed),
  totpEnabled: r.totp_enabled === 1, smsEnabled: r.sms_enabled === 1, preferred: optional(r.preferred) as MfaType | undefined,
  totpLastStep: r.totp_last_step, updatedAt: r.updated_at,
});
export interface EventRow {
  seq: number; id: string; pool_id: string; user_id: string | null; username: string | null; client_id: string | null;
  type: string; outcome: string; reason: string | null; challenges: string; ip: string | null; user_agent: string | null;
  created_at: number;
}
export const eventFromRow = (r: EventRow): AuthEvent => ({
  id: r.id, poolId: r.pool_id, userId: optional(r.user_id), username: optional(r.username), clientId: optional(r.client_id),
  type: r.type as AuthEvent['type'], outcome: r.outcome as AuthEvent['outcome'], reason: optional(r.reason),
  challenges: fromJson(r.challenges), ip: optional(r.ip), userAgent: optional(r.user_agent), createdAt: r.created_at,
});
// The cursor names the last event shown by its time and insertion order.
export const cursorOf = (r: EventRow) => `${r.created_at}.${r.seq}`;
export function parseCursor(after: string | undefined): { t: number; s: number } | undefined {
  if (after === undefined) return { t: Number.MAX_SAFE_INTEGER, s: 0 };
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(after);
  return m ? { t: Number(m[1]), s: Number(m[2]) } : undefined;
}
