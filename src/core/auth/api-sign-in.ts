/** Sign-in through the Cognito API (InitiateAuth / RespondToAuthChallenge), on the same core as the hosted pages. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, User, UserPool } from '../model.js';
import { issueSignInTokens, refreshSignIn, type SignInTokens } from '../tokens/families.js';
import { authenticatePassword } from '../users/authenticate.js';
import { missingRequiredAttributes } from '../users/attributes.js';
import { completeNewPassword } from '../users/new-password.js';
import { openChallengeSession, sealChallengeSession } from './challenge-session.js';

/** The access token scope of every token the API issues, as in Cognito. */
export const API_SCOPES = ['aws.cognito.signin.user.admin'];

export type ApiAuthResult =
  | { kind: 'tokens'; tokens: SignInTokens; withRefreshToken: boolean }
  | { kind: 'challenge'; challengeName: string; session?: string; parameters: Record<string, string> };

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer' | 'issuer' | 'hasher'>;

export function requireAuthFlow(client: Client, flow: string): void {
  const allowed = client.settings.explicitAuthFlows;
  const legacy: Record<string, string> = { ALLOW_USER_PASSWORD_AUTH: 'USER_PASSWORD_AUTH', ALLOW_ADMIN_USER_PASSWORD_AUTH: 'ADMIN_NO_SRP_AUTH' };
  if (!allowed.includes(flow) && !(legacy[flow] && allowed.includes(legacy[flow]))) {
    throw new AppError('InvalidParameter', `${flow.replace(/^ALLOW_/, '')} flow not enabled for this client`);
  }
}

export async function signInTokens(deps: Deps, pool: UserPool, client: Client, user: User): Promise<ApiAuthResult> {
  const tokens = await issueSignInTokens(deps, {
    pool, client, user, scopes: API_SCOPES, authTime: deps.clock.now(), amr: ['pwd'], withIdToken: true, withRefreshToken: true,
  });
  return { kind: 'tokens', tokens, withRefreshToken: true };
}

/** USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH. */
export async function passwordSignIn(deps: Deps, pool: UserPool, client: Client, username: string, password: string): Promise<ApiAuthResult> {
  const result = await authenticatePassword(deps, pool, username, password);
  if (result.kind === 'authenticated') return signInTokens(deps, pool, client, result.user);
  return newPasswordChallenge(deps, pool, client, result.user);
}

export function newPasswordChallenge(deps: Deps, pool: UserPool, client: Client, user: User): ApiAuthResult {
  const { sub: _sub, email_verified: _ev, phone_number_verified: _pv, ...visible } = user.attributes;
  return {
    kind: 'challenge',
    challengeName: 'NEW_PASSWORD_REQUIRED',
    session: sealChallengeSession(deps, { challenge: 'NEW_PASSWORD_REQUIRED', poolId: pool.id, clientId: client.id, userId: user.id }, client.settings.authSessionValidityMinutes),
    parameters: {
      USER_ID_FOR_SRP: user.username,
      requiredAttributes: JSON.stringify(missingRequiredAttributes(pool.settings, user.attributes).map((a) => `userAttributes.${a}`)),
      userAttributes: JSON.stringify(visible),
    },
  };
}

/** RespondToAuthChallenge NEW_PASSWORD_REQUIRED. */
export async function respondNewPassword(
  deps: Deps & Pick<CoreDeps, 'breachedPasswords'>, pool: UserPool, client: Client, sessionText: string | undefined, newPassword: string | undefined, attributes: Record<string, string>,
): Promise<ApiAuthResult> {
  const session = openChallengeSession(deps, sessionText, { challenge: 'NEW_PASSWORD_REQUIRED', clientId: client.id });
  if (session.poolId !== pool.id) throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  if (!newPassword) throw new AppError('InvalidParameter', 'Missing required parameter NEW_PASSWORD');
  const user = await completeNewPassword(deps, pool, session.userId, newPassword, attributes);
  return signInTokens(deps, pool, client, user);
}

/** REFRESH_TOKEN_AUTH: new ID and access tokens; the refresh token itself is not returned. */
export async function refreshTokenSignIn(deps: Deps, pool: UserPool, client: Client, refreshToken: string | undefined): Promise<ApiAuthResult> {
  if (!refreshToken) throw new AppError('InvalidParameter', 'Missing required parameter REFRESH_TOKEN');
  const tokens = await refreshSignIn(deps, pool, client, refreshToken);
  return { kind: 'tokens', tokens, withRefreshToken: tokens.refreshToken !== undefined };
}
