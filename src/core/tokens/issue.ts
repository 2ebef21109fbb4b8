import { createHash } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { Client, User, UserPool } from '../model.js';
import { accessTokenClaims, idTokenClaims, type TokenContext } from './claims.js';

export interface UserTokenRequest {
  pool: UserPool;
  client: Client;
  user: User;
  scopes: string[];
  /** Epoch milliseconds of the original authentication. */
  authTime: number;
  /** How the user authenticated (RFC 8176): pwd, and mfa with otp or sms after a second factor. */
  amr: string[];
  originJti: string;
  withIdToken: boolean;
  nonce?: string;
  /** OIDC at_hash: set when the tokens come out of the OAuth endpoints. */
  withAtHash?: boolean;
}

export interface IssuedTokens {
  accessToken: string;
  idToken?: string;
  expiresIn: number;
}

const atHashOf = (accessToken: string) => createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');

/** Signs an access token (and an ID token when asked) with the claims Cognito puts in them. */
export async function signUserTokens(deps: Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'signer' | 'issuer'>, req: UserTokenRequest): Promise<IssuedTokens> {
  const { validity } = req.client.settings;
  const issuedAt = Math.floor(deps.clock.now() / 1000);
  const ctx: TokenContext = {
    issuer: deps.issuer.issuerFor(req.pool.id),
    client: req.client,
    user: req.user,
    groups: await deps.storage.groups.listForUser(req.pool.id, req.user.id),
    scopes: req.scopes,
    authTime: Math.floor(req.authTime / 1000),
    amr: req.amr,
    issuedAt,
    originJti: req.originJti,
    eventId: deps.random.uuid(),
  };
  const accessToken = await deps.signer.sign(req.pool.id, 'access', accessTokenClaims(ctx, deps.random.uuid(), issuedAt + validity.accessToken));
  if (!req.withIdToken) return { accessToken, expiresIn: validity.accessToken };
  const idToken = await deps.signer.sign(
    req.pool.id,
    'id',
    idTokenClaims(ctx, deps.random.uuid(), issuedAt + validity.idToken, {
      nonce: req.nonce,
      atHash: req.withAtHash ? atHashOf(accessToken) : undefined,
    }),
  );
  return { accessToken, idToken, expiresIn: validity.accessToken };
}

/** client_credentials: the client is the subject; only custom scopes. */
export async function signClientToken(deps: Pick<CoreDeps, 'clock' | 'random' | 'signer' | 'issuer'>, pool: UserPool, client: Client, scopes: string[]): Promise<IssuedTokens> {
  const issuedAt = Math.floor(deps.clock.now() / 1000);
  const expiresIn = client.settings.validity.accessToken;
  const accessToken = await deps.signer.sign(pool.id, 'access', {
    sub: client.id,
    token_use: 'access',
    scope: scopes.join(' '),
    auth_time: issuedAt,
    iss: deps.issuer.issuerFor(pool.id),
    exp: issuedAt + expiresIn,
    iat: issuedAt,
    version: 2,
    jti: deps.random.uuid(),
    client_id: client.id,
  });
  return { accessToken, expiresIn };
}
