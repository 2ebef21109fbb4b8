import { AppError } from '../../errors/app-error.js';
import { audited } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { Client, RefreshToken, User, UserPool } from '../model.js';
import { signUserTokens, type IssuedTokens } from './issue.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'signer' | 'issuer' | 'box'>;

export const refreshTokenDigest = (box: CoreDeps['box'], token: string) => box.digest(`refresh:${token}`);

export interface SignInGrant {
  pool: UserPool;
  client: Client;
  user: User;
  scopes: string[];
  authTime: number;
  amr: string[];
  withIdToken: boolean;
  withRefreshToken: boolean;
  nonce?: string;
  withAtHash?: boolean;
}

export interface SignInTokens extends IssuedTokens {
  refreshToken?: string;
  originJti: string;
}

async function newRefreshToken(deps: Deps, base: Omit<RefreshToken, 'tokenHash' | 'createdAt' | 'expiresAt'>, client: Client) {
  const token = deps.random.token(48);
  const now = deps.clock.now();
  const record: RefreshToken = {
    ...base, tokenHash: refreshTokenDigest(deps.box, token), createdAt: now,
    expiresAt: now + client.settings.validity.refreshToken * 1000,
  };
  return { token, record };
}

/** Starts a token family for one authentication and issues its tokens. */
export async function issueSignInTokens(deps: Deps, grant: SignInGrant): Promise<SignInTokens> {
  const originJti = deps.random.uuid();
  await deps.storage.tokens.createFamily({
    originJti, poolId: grant.pool.id, clientId: grant.client.id, userId: grant.user.id, createdAt: deps.clock.now(),
  });
  const tokens = await signUserTokens(deps, { ...grant, originJti });
  if (!grant.withRefreshToken) return { ...tokens, originJti };
  const { token, record } = await newRefreshToken(deps, {
    originJti, poolId: grant.pool.id, clientId: grant.client.id, userId: grant.user.id, scopes: grant.scopes,
    authTime: grant.authTime, amr: grant.amr, withIdToken: grant.withIdToken,
  }, grant.client);
  await deps.storage.tokens.createRefreshToken(record);
  return { ...tokens, refreshToken: token, originJti };
}

const invalidRefresh = () => new AppError('InvalidGrant', 'Invalid Refresh Token');

/**
 * New ID and access tokens from a refresh token (as auditedRefresh found it stored, or not), with
 * attributes and groups read afresh. The same refresh token stays valid unless the client rotates them.
 * `authorize` checks what the caller proved besides the token (a SECRET_HASH over the owner's name).
 */
export async function refreshSignIn(
  deps: Deps, pool: UserPool, client: Client, stored: RefreshToken | undefined, authorize?: (user: User) => void,
): Promise<SignInTokens> {
  const now = deps.clock.now();
  if (!stored || stored.clientId !== client.id || stored.poolId !== pool.id || stored.expiresAt <= now) throw invalidRefresh();
  const found = await deps.storage.tokens.getFamilyWithUser(stored.originJti);
  if (!found || found.family.revokedAt !== undefined) throw invalidRefresh();
  // The family was made with the token, for the same pool and user; the user is gone once deleted.
  const { user } = found;
  if (!user || user.poolId !== pool.id || user.id !== stored.userId) throw invalidRefresh();
  // Before anything the caller could learn or change: the user's state, or ending the family below.
  authorize?.(user);
  const rotation = client.settings.refreshTokenRotation;
  if (stored.replacedAt !== undefined && now - stored.replacedAt > rotation.retryGracePeriodSeconds * 1000) {
    // A rotated-out token used again: someone may hold a copy, so end the whole family.
    await deps.storage.tokens.revokeFamily(stored.originJti, now);
    throw invalidRefresh();
  }
  if (!user.enabled) throw new AppError('NotAuthorized', 'User is disabled.');

  const tokens = await signUserTokens(deps, {
    pool, client, user, scopes: stored.scopes, authTime: stored.authTime, amr: stored.amr, originJti: stored.originJti,
    withIdToken: stored.withIdToken,
  });
  if (!rotation.enabled || stored.replacedAt !== undefined) return { ...tokens, originJti: stored.originJti };
  const { token, record } = await newRefreshToken(deps, { ...stored, replacedAt: undefined }, client);
  if (!(await deps.storage.tokens.rotateRefreshToken(stored.tokenHash, record, now))) throw invalidRefresh();
  return { ...tokens, refreshToken: token, originJti: stored.originJti };
}

/**
 * Records a refresh (TokenRefresh) around `refresh`, which either surface supplies (the
 * refresh_token grant, REFRESH_TOKEN_AUTH). The event names the token's owner, looked up here,
 * once, and handed to `refresh`, so that a refused refresh (a revoked family, a reused
 * rotated token) is still theirs.
 */
export async function auditedRefresh<T>(
  deps: Pick<CoreDeps, 'storage' | 'box' | 'audit'>, pool: UserPool, client: Client, refreshToken: string | undefined,
  refresh: (stored: RefreshToken | undefined) => Promise<T>,
): Promise<T> {
  const stored = refreshToken ? await deps.storage.tokens.getRefreshToken(refreshTokenDigest(deps.box, refreshToken)) : undefined;
  const userId = stored?.poolId === pool.id ? stored.userId : undefined;
  return audited(deps, { type: 'TokenRefresh', poolId: pool.id, clientId: client.id, userId }, () => refresh(stored));
}

/** Revokes the refresh token and everything issued with it (its token family). */
export async function revokeRefreshToken(deps: Pick<CoreDeps, 'storage' | 'clock' | 'box' | 'audit'>, client: Client, refreshToken: string): Promise<void> {
  const stored = await deps.storage.tokens.getRefreshToken(refreshTokenDigest(deps.box, refreshToken));
  // RFC 7009: an unknown token is not an error. Revoking it changed nothing and concerns no user,
  // so it is no event either (a Pass would claim a revocation that never happened).
  if (!stored) return;
  const userId = stored.poolId === client.poolId ? stored.userId : undefined;
  return audited(deps, { type: 'TokenRevocation', poolId: client.poolId, clientId: client.id, userId }, async () => {
    if (stored.clientId !== client.id) throw new AppError('InvalidRequest', 'The token was not issued to this client.');
    await deps.storage.tokens.revokeFamily(stored.originJti, deps.clock.now());
  });
}

/** Checks that an access token's family is alive and its user still may use it. */
export async function requireLiveAccessToken(deps: Pick<CoreDeps, 'storage' | 'signer'>, token: string) {
  const { poolId, payload } = await deps.signer.verify(token);
  if (payload.token_use !== 'access') throw new AppError('InvalidToken', 'The token is not an access token.');
  const originJti = typeof payload.origin_jti === 'string' ? payload.origin_jti : undefined;
  // One read for the family and its user: every userInfo, access-token call of the Cognito API and refresh makes it.
  const found = originJti ? await deps.storage.tokens.getFamilyWithUser(originJti) : undefined;
  if (!found || found.family.revokedAt !== undefined || found.family.poolId !== poolId) {
    throw new AppError('InvalidToken', 'Access token has been revoked');
  }
  const { family, user } = found;
  if (!user || !user.enabled || user.id !== payload.sub) throw new AppError('InvalidToken', 'User does not exist or is disabled.');
  return { poolId, payload, user, family };
}
