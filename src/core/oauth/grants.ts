/** The token endpoint's grants, as pure use cases. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, RefreshToken, UserPool } from '../model.js';
import { issueSignInTokens, refreshSignIn, requireLiveAccessToken, type SignInTokens } from '../tokens/families.js';
import { signClientToken, type IssuedTokens } from '../tokens/issue.js';
import { userInfoClaims } from '../tokens/claims.js';
import { authorizationCodeDigest } from './authorize.js';
import { verifyPkce } from './pkce.js';
import { parseScopeString, resolveClientCredentialsScopes } from './scopes.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer' | 'issuer'>;

export interface CodeExchange {
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
}

const invalidGrant = (message: string) => new AppError('InvalidGrant', message);

/** authorization_code: a code works once, within 5 minutes, for its client and redirect_uri. */
export async function exchangeAuthorizationCode(deps: Deps, pool: UserPool, client: Client, input: CodeExchange): Promise<SignInTokens> {
  if (!input.code) throw new AppError('InvalidRequest', 'The code parameter is missing.');
  if (!input.redirectUri) throw new AppError('InvalidRequest', 'The redirect_uri parameter is missing.');
  if (!client.settings.allowedOAuthFlows.includes('code') || !client.settings.allowedOAuthFlowsUserPoolClient) {
    throw new AppError('UnauthorizedClient', 'The client may not use the authorization code grant.');
  }
  const now = deps.clock.now();
  const redemption = await deps.storage.authorizationCodes.consume(authorizationCodeDigest(deps.box, input.code), now);
  if (redemption.status === 'missing') throw invalidGrant('The authorization code is invalid.');
  const code = redemption.code;
  if (redemption.status === 'replayed') {
    // RFC 6749 §4.1.2: a code used twice may be stolen, so what its first use issued is revoked.
    if (code.originJti) await deps.storage.tokens.revokeFamily(code.originJti, now);
    throw invalidGrant('The authorization code has already been used.');
  }
  if (code.clientId !== client.id) throw invalidGrant('The authorization code was issued to another client.');
  if (code.expiresAt <= now) throw invalidGrant('The authorization code has expired.');
  if (code.redirectUri !== input.redirectUri) throw invalidGrant('The redirect_uri does not match the authorization request.');
  if (code.codeChallenge !== undefined) {
    if (!verifyPkce(code.codeChallenge, input.codeVerifier)) throw invalidGrant('The code_verifier does not match the code_challenge.');
  } else if (input.codeVerifier !== undefined) {
    throw invalidGrant('A code_verifier was sent, but the authorization request had no code_challenge.');
  }
  const user = await deps.storage.users.get(pool.id, code.userId);
  if (!user || !user.enabled || user.status !== 'CONFIRMED') throw invalidGrant('The user can no longer sign in.');

  const tokens = await issueSignInTokens(deps, {
    pool, client, user, scopes: code.scopes, authTime: code.authTime, amr: code.amr,
    withIdToken: code.scopes.includes('openid'), withRefreshToken: true, nonce: code.nonce, withAtHash: true,
  });
  await deps.storage.authorizationCodes.setOriginJti(code.codeHash, tokens.originJti);
  return tokens;
}

export async function refreshTokenGrant(
  deps: Deps, pool: UserPool, client: Client, refreshToken: string | undefined, stored: RefreshToken | undefined,
): Promise<SignInTokens> {
  if (!refreshToken) throw new AppError('InvalidRequest', 'The refresh_token parameter is missing.');
  if (!client.settings.allowedOAuthFlowsUserPoolClient && !client.settings.explicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH')) {
    throw new AppError('UnauthorizedClient', 'The client may not refresh tokens.');
  }
  return refreshSignIn(deps, pool, client, stored);
}

export async function clientCredentialsGrant(deps: Deps, pool: UserPool, client: Client, scope: string | undefined): Promise<IssuedTokens> {
  if (client.secret === undefined) throw new AppError('UnauthorizedClient', 'client_credentials requires a client with a secret.');
  if (!client.settings.allowedOAuthFlowsUserPoolClient || !client.settings.allowedOAuthFlows.includes('client_credentials')) {
    throw new AppError('UnauthorizedClient', 'The client may not use the client_credentials grant.');
  }
  const scopes = resolveClientCredentialsScopes(client, parseScopeString(scope));
  return signClientToken(deps, pool, client, scopes);
}

/** userInfo: a live access token with the openid scope; claims narrowed by its scopes. */
export async function userInfo(deps: Pick<CoreDeps, 'storage' | 'signer' | 'box'>, accessToken: string): Promise<Record<string, string>> {
  const { payload, user } = await requireLiveAccessToken(deps, accessToken);
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes('openid')) throw new AppError('InvalidToken', 'The access token does not have the openid scope.');
  const stored = typeof payload.client_id === 'string' ? await deps.storage.clients.get(payload.client_id) : undefined;
  if (!stored) throw new AppError('InvalidToken', 'The client of this token no longer exists.');
  const { secretSealed: _secret, ...client } = stored;
  return userInfoClaims(client, user, scopes);
}
