import { createHash, randomBytes } from 'node:crypto';
import { csrfToken, formAction, WebClient, type WebResponse } from './web-client.js';
import type { TestServer } from './server.js';

export const STRONG_PASSWORD = 'Correct-Horse-9-Battery';

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function authorizeUrl(params: Record<string, string>): string {
  return `/oauth2/authorize?${new URLSearchParams(params).toString()}`;
}

let counter = 0;
export const uniqueEmail = (prefix = 'user') => `${prefix}.${Date.now().toString(36)}${(counter++).toString(36)}@example.com`;

/** Signs up through the hosted pages, confirming with the code from the captured email. Returns the final redirect. */
export async function signUpThroughPages(
  t: TestServer,
  web: WebClient,
  authorizeParams: Record<string, string>,
  email: string,
  password = STRONG_PASSWORD,
): Promise<WebResponse> {
  const login = await web.follow(await web.get(authorizeUrl(authorizeParams)));
  const signupPath = /href="(\/signup\?[^"]+)"/.exec(login.body)?.[1]?.replace(/&amp;/g, '&');
  if (!signupPath) throw new Error('no sign-up link on the login page');
  const signup = await web.get(signupPath);
  const before = t.mail.messages.length;
  const posted = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: email, password });
  if (posted.status !== 302) throw new Error(`sign-up failed: ${posted.status} ${posted.body.slice(0, 500)}`);
  const confirmPage = await web.follow(posted);
  const code = await t.mail.codeFor(email, { after: before });
  return web.post(formAction(confirmPage.body, 'confirmForm'), { _csrf: csrfToken(confirmPage.body), username: email, code });
}

/** Signs in on the hosted login page and returns the redirect to the app. */
export async function signInThroughPages(web: WebClient, authorizeParams: Record<string, string>, username: string, password = STRONG_PASSWORD): Promise<WebResponse> {
  const first = await web.get(authorizeUrl(authorizeParams));
  if (first.location && !first.location.includes('/login?')) return first; // an existing session answered directly
  const login = await web.follow(first);
  return web.post(formAction(login.body, 'cognitoSignInForm'), { _csrf: csrfToken(login.body), username, password });
}

export async function tokenRequest(t: TestServer, form: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const res = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

export function callbackParams(location: string | undefined): URLSearchParams {
  if (!location) throw new Error('no redirect');
  const url = new URL(location);
  return url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
}

/** A confirmed user and a fresh set of tokens from the code flow with PKCE on the public client. */
export async function signedUpUserWithTokens(t: TestServer, scope = 'openid email profile aws.cognito.signin.user.admin') {
  const web = new WebClient(t.url);
  const email = uniqueEmail();
  const { verifier, challenge } = pkcePair();
  const params = {
    response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback', scope,
    state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256',
  };
  const done = await signUpThroughPages(t, web, params, email);
  const code = callbackParams(done.location).get('code')!;
  const tokens = await tokenRequest(t, {
    grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: params.redirect_uri, code_verifier: verifier,
  });
  return { web, email, tokens: tokens.json as { id_token: string; access_token: string; refresh_token: string; expires_in: number } };
}
