import { AppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import type { CoreDeps } from '../deps.js';
import type { Client, User, UserPool } from '../model.js';
import { findClient } from '../pools/lookup.js';
import { issueSignInTokens } from '../tokens/families.js';
import { PKCE_VALUE } from './pkce.js';
import { parseScopeString, resolveUserScopes } from './scopes.js';

/** The authorize parameters OpenPool understands, under their wire names. */
export interface AuthorizationParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  state?: string;
  scope?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  nonce?: string;
  prompt?: string;
  identity_provider?: string;
  idp_identifier?: string;
  lang?: string;
}

export interface AuthorizationRequest {
  pool: UserPool;
  client: Client;
  responseType: 'code' | 'token';
  redirectUri: string;
  state?: string;
  scopes: string[];
  codeChallenge?: string;
  nonce?: string;
  prompt?: 'none' | 'login' | 'select_account' | 'consent';
}

export type ResponseMode = 'query' | 'fragment';

/** Where an authorization error may be sent: the validated redirect URI, never an unchecked one. */
export interface ErrorRedirect {
  redirectUri: string;
  state?: string;
  responseMode: ResponseMode;
}

export const AUTHORIZATION_CODE_TTL_MS = 5 * 60_000;
const MAX_PARAM_LENGTH = 2048;

function redirectable(code: ErrorCode, message: string, target: ErrorRedirect): AppError {
  return new AppError(code, message, { detail: { redirect: target } });
}

export function errorRedirectOf(error: AppError): ErrorRedirect | undefined {
  const detail = error.detail as { redirect?: ErrorRedirect } | undefined;
  return detail?.redirect;
}

/**
 * Validates an authorization request. A bad client or redirect_uri throws InvalidClient or
 * RedirectMismatch (never redirect: the target is unverified); anything else throws an error
 * carrying the redirect target, as RFC 6749 §4.1.2.1 asks.
 */
export async function validateAuthorizationRequest(
  deps: Pick<CoreDeps, 'storage' | 'box'>,
  params: AuthorizationParams,
): Promise<AuthorizationRequest> {
  const found = params.client_id ? await findClient(deps, params.client_id) : undefined;
  if (!found) throw new AppError('InvalidClient', params.client_id ? 'The client does not exist.' : 'The client_id parameter is missing.');
  const { client, pool } = found;
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !client.settings.callbackUrls.includes(redirectUri)) {
    throw new AppError('RedirectMismatch', 'The redirect_uri is missing or not registered for this client.');
  }
  const responseMode: ResponseMode = params.response_type === 'token' ? 'fragment' : 'query';
  const state = params.state;
  const target: ErrorRedirect = { redirectUri, state: state && state.length <= MAX_PARAM_LENGTH ? state : undefined, responseMode };
  const fail = (code: ErrorCode, message: string) => redirectable(code, message, target);

  if (state !== undefined && state.length > MAX_PARAM_LENGTH) throw fail('InvalidRequest', 'The state parameter is too long.');
  if (params.nonce !== undefined && params.nonce.length > MAX_PARAM_LENGTH) throw fail('InvalidRequest', 'The nonce parameter is too long.');
  if (!client.settings.allowedOAuthFlowsUserPoolClient) throw fail('UnauthorizedClient', 'The client is not enabled for OAuth flows.');
  if (!params.response_type) throw fail('InvalidRequest', 'The response_type parameter is missing.');
  if (params.response_type !== 'code' && params.response_type !== 'token') {
    throw fail('UnsupportedResponseType', 'response_type must be code or token.');
  }
  const flow = params.response_type === 'code' ? 'code' : 'implicit';
  if (!client.settings.allowedOAuthFlows.includes(flow)) throw fail('UnauthorizedClient', `The client may not use the ${flow} flow.`);
  if (params.identity_provider !== undefined && params.identity_provider !== 'COGNITO') {
    throw fail('InvalidRequest', `Identity provider ${params.identity_provider} is not configured.`);
  }
  if (!client.settings.supportedIdentityProviders.includes('COGNITO')) {
    throw fail('UnauthorizedClient', 'The client does not support sign-in with the user pool directory (COGNITO).');
  }

  let codeChallenge: string | undefined;
  if (params.code_challenge !== undefined || params.code_challenge_method !== undefined) {
    if (params.code_challenge_method !== 'S256') throw fail('InvalidRequest', 'code_challenge_method must be S256.');
    if (!params.code_challenge || !PKCE_VALUE.test(params.code_challenge)) throw fail('InvalidRequest', 'The code_challenge is missing or malformed.');
    if (flow !== 'code') throw fail('InvalidRequest', 'PKCE applies to the code flow only.');
    codeChallenge = params.code_challenge;
  }

  let prompt: AuthorizationRequest['prompt'];
  if (params.prompt !== undefined && params.prompt !== '') {
    const values = params.prompt.split(' ');
    if (values.includes('none') && values.length > 1) throw fail('InvalidRequest', 'prompt=none cannot be combined with other values.');
    if (values.some((v) => !['none', 'login', 'select_account', 'consent'].includes(v))) throw fail('InvalidRequest', 'Unsupported prompt value.');
    prompt = values.includes('none') ? 'none' : values.includes('login') ? 'login' : (values[0] as AuthorizationRequest['prompt']);
  }

  let scopes: string[];
  try {
    scopes = resolveUserScopes(client, parseScopeString(params.scope));
  } catch (error) {
    throw error instanceof AppError ? fail(error.code, error.message) : error;
  }

  return {
    pool, client, responseType: params.response_type, redirectUri, state, scopes, codeChallenge,
    nonce: params.nonce || undefined, prompt,
  };
}

/** Appends parameters to the redirect URI's query or fragment. */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>, mode: ResponseMode): string {
  const url = new URL(redirectUri);
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (mode === 'query') {
    for (const [k, v] of entries) url.searchParams.append(k, v);
    return url.toString();
  }
  url.hash = new URLSearchParams(entries).toString();
  return url.toString();
}

export function loginRequired(req: AuthorizationRequest): AppError {
  return redirectable('LoginRequired', 'The user is not signed in.', {
    redirectUri: req.redirectUri, state: req.state, responseMode: req.responseType === 'token' ? 'fragment' : 'query',
  });
}

/** After the user has authenticated: issue a code (or implicit tokens) and say where to send the browser. */
export async function completeAuthorization(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer' | 'issuer'>,
  req: AuthorizationRequest,
  auth: { user: User; authTime: number; amr: string[] },
): Promise<string> {
  const now = deps.clock.now();
  if (req.responseType === 'code') {
    const code = deps.random.uuid();
    await deps.storage.authorizationCodes.create({
      codeHash: authorizationCodeDigest(deps.box, code), poolId: req.pool.id, clientId: req.client.id, userId: auth.user.id,
      redirectUri: req.redirectUri, scopes: req.scopes, nonce: req.nonce, codeChallenge: req.codeChallenge,
      authTime: auth.authTime, amr: auth.amr, createdAt: now, expiresAt: now + AUTHORIZATION_CODE_TTL_MS,
    });
    return buildRedirect(req.redirectUri, { code, state: req.state }, 'query');
  }
  const tokens = await issueSignInTokens(deps, {
    pool: req.pool, client: req.client, user: auth.user, scopes: req.scopes, authTime: auth.authTime, amr: auth.amr,
    withIdToken: req.scopes.includes('openid'), withRefreshToken: false, nonce: req.nonce, withAtHash: true,
  });
  return buildRedirect(req.redirectUri, {
    id_token: tokens.idToken, access_token: tokens.accessToken, token_type: 'Bearer', expires_in: String(tokens.expiresIn),
    state: req.state,
  }, 'fragment');
}

export const authorizationCodeDigest = (box: CoreDeps['box'], code: string) => box.digest(`authcode:${code}`);
