import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { authorizeUrl, callbackParams, pkcePair, signedUpUserWithTokens, tokenRequest } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, formAction, WebClient } from '../helpers/web-client.js';
import { sdkClient } from '../helpers/sdk.js';

const CALLBACK = 'http://localhost:3000/callback';

describe('OAuth endpoints answer bad input in the protocol\'s own form', () => {
  let t: TestServer;
  let base: Record<string, string>;
  before(async () => {
    t = await startTestServer();
    base = { response_type: 'code', client_id: t.clients.public.id, redirect_uri: CALLBACK, state: 's1' };
  });
  after(async () => t.close());

  describe('/oauth2/authorize', () => {
    it('shows an error page and never redirects for an unknown client or an unregistered redirect_uri', async () => {
      const cases: Record<string, string>[] = [
        { ...base, client_id: 'nosuchclient' },
        { ...base, client_id: '' },
        { ...base, redirect_uri: 'https://evil.example/cb' },
        { ...base, redirect_uri: `${CALLBACK}/extra` },
        { response_type: 'code', client_id: t.clients.public.id },
      ];
      for (const params of cases) {
        const res = await fetch(`${t.url}${authorizeUrl(params)}`, { redirect: 'manual' });
        assert.equal(res.status, 400, JSON.stringify(params));
        assert.equal(res.headers.get('location'), null);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        assert.doesNotMatch(await res.text(), /evil\.example/);
      }
    });

    it('redirects other errors to the client with error, error_description and state', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ ...base, response_type: '' }, 'invalid_request'],
        [{ ...base, response_type: 'id_token' }, 'unsupported_response_type'],
        [{ ...base, code_challenge: pkcePair().challenge, code_challenge_method: 'plain' }, 'invalid_request'],
        [{ ...base, code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
        [{ ...base, code_challenge_method: 'S256' }, 'invalid_request'],
        [{ ...base, scope: 'openid nosuch' }, 'invalid_scope'],
        [{ ...base, scope: 'email' }, 'invalid_scope'],
        [{ ...base, prompt: 'none' }, 'login_required'],
        [{ ...base, client_id: t.clients.confidential.id, response_type: 'token' }, 'unauthorized_client'],
      ];
      for (const [params, error] of cases) {
        const res = await fetch(`${t.url}${authorizeUrl(params)}`, { redirect: 'manual' });
        assert.equal(res.status, 302, JSON.stringify(params));
        const location = res.headers.get('location')!;
        assert.ok(location.startsWith(CALLBACK), location);
        const q = callbackParams(location);
        assert.equal(q.get('error'), error, JSON.stringify(params));
        assert.equal(q.get('state'), 's1');
        assert.ok(q.get('error_description'));
      }
    });

    it('sends a browser without a session to the hosted login page with the same parameters', async () => {
      const res = await fetch(`${t.url}${authorizeUrl({ ...base, scope: 'openid' })}`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location')!, t.url);
      assert.equal(location.pathname, '/login');
      assert.equal(location.searchParams.get('client_id'), t.clients.public.id);
      assert.equal(location.searchParams.get('redirect_uri'), CALLBACK);
    });
  });

  describe('/oauth2/token', () => {
    it('rejects wrong content types, missing and unknown grant types', async () => {
      const json = await fetch(`${t.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
      assert.equal(json.status, 400);
      assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
      assert.equal((await tokenRequest(t, { client_id: t.clients.public.id })).json.error, 'invalid_request');
      const unknown = await tokenRequest(t, { grant_type: 'password', client_id: t.clients.public.id, username: 'a', password: 'b' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.error, 'unsupported_grant_type');
      const get = await fetch(`${t.url}/oauth2/token`);
      assert.equal(get.status, 405);
      assert.equal(((await get.json()) as { error: string }).error, 'invalid_request');
    });

    it('answers bad client authentication with 401 invalid_client', async () => {
      const cases = [
        tokenRequest(t, { grant_type: 'client_credentials' }, { id: t.clients.machine.id, secret: 'wrong-secret' }),
        tokenRequest(t, { grant_type: 'client_credentials', client_id: t.clients.machine.id }),
        tokenRequest(t, { grant_type: 'client_credentials', client_id: 'nosuchclient', client_secret: 'x' }),
        tokenRequest(t, { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK, client_id: t.clients.public.id, client_secret: 'made-up' }),
      ];
      for (const res of await Promise.all(cases)) {
        assert.equal(res.status, 401);
        assert.equal(res.json.error, 'invalid_client');
      }
      const basicBad = await tokenRequest(t, { grant_type: 'client_credentials' }, { id: t.clients.machine.id, secret: 'nope' });
      assert.match(basicBad.headers.get('www-authenticate') ?? '', /^Basic/);
    });

    it('rejects repeated parameters, oversized bodies and malformed forms without a 500', async () => {
      const repeated = await fetch(`${t.url}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&grant_type=client_credentials&client_id=x',
      });
      assert.equal(repeated.status, 400);
      const big = await fetch(`${t.url}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=${'a'.repeat(200_000)}`,
      });
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as { error: string }).error, 'invalid_request');
      const garbage = await fetch(`${t.url}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%&&&==%E0%A4%A',
      });
      assert.ok(garbage.status >= 400 && garbage.status < 500);
    });

    it('client_credentials issues resource-server scopes only, and only to clients allowed to use it', async () => {
      const ok = await tokenRequest(t, { grant_type: 'client_credentials', scope: 'openpool-example-api/read' }, t.clients.machine);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.refresh_token, undefined);
      assert.equal(ok.json.id_token, undefined);
      const payload = JSON.parse(Buffer.from((ok.json.access_token as string).split('.')[1]!, 'base64url').toString());
      assert.equal(payload.sub, t.clients.machine.id);
      assert.equal(payload.scope, 'openpool-example-api/read');
      assert.equal(payload.token_use, 'access');
      const all = await tokenRequest(t, { grant_type: 'client_credentials' }, t.clients.machine);
      assert.equal(all.status, 200);
      const allScopes = JSON.parse(Buffer.from((all.json.access_token as string).split('.')[1]!, 'base64url').toString()).scope;
      assert.deepEqual(allScopes.split(' ').sort(), ['openpool-example-api/read', 'openpool-example-api/write']);
      const badScope = await tokenRequest(t, { grant_type: 'client_credentials', scope: 'openid' }, t.clients.machine);
      assert.equal(badScope.json.error, 'invalid_scope');
      const notAllowed = await tokenRequest(t, { grant_type: 'client_credentials' }, t.clients.confidential);
      assert.equal(notAllowed.json.error, 'unauthorized_client');
      const publicClient = await tokenRequest(t, { grant_type: 'client_credentials', client_id: t.clients.public.id });
      assert.equal(publicClient.json.error, 'unauthorized_client');
    });

    it('a code works once, for its client, redirect_uri and verifier; a replay revokes what it issued', async () => {
      const { verifier, challenge } = pkcePair();
      const params = { ...base, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' };
      // Reuse the session of a fresh sign-in for several codes.
      const user = await signedUpUserWithTokens(t);
      assert.ok(user.tokens.access_token);
      const codeFor = async () => callbackParams((await user.web.get(authorizeUrl(params))).location).get('code')!;

      const wrongVerifier = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code: await codeFor(), redirect_uri: CALLBACK, code_verifier: pkcePair().verifier });
      assert.equal(wrongVerifier.json.error, 'invalid_grant');
      const noVerifier = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code: await codeFor(), redirect_uri: CALLBACK });
      assert.equal(noVerifier.json.error, 'invalid_grant');
      const wrongRedirect = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code: await codeFor(), redirect_uri: 'https://localhost', code_verifier: verifier });
      assert.equal(wrongRedirect.json.error, 'invalid_grant');
      const otherClient = await tokenRequest(t, { grant_type: 'authorization_code', code: await codeFor(), redirect_uri: CALLBACK, code_verifier: verifier }, t.clients.confidential);
      assert.equal(otherClient.json.error, 'invalid_grant');
      const missing = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, redirect_uri: CALLBACK });
      assert.equal(missing.json.error, 'invalid_request');

      const code = await codeFor();
      const first = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: CALLBACK, code_verifier: verifier });
      assert.equal(first.status, 200);
      const replay = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: CALLBACK, code_verifier: verifier });
      assert.equal(replay.json.error, 'invalid_grant');
      const refresh = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: first.json.refresh_token as string });
      assert.equal(refresh.json.error, 'invalid_grant', 'the replay revoked the first redemption');
      const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${first.json.access_token}` } });
      assert.equal(info.status, 401);
    });

    it('concurrent redemptions of one code give exactly one success', async () => {
      const user = await signedUpUserWithTokens(t);
      const { verifier, challenge } = pkcePair();
      const location = (await user.web.get(authorizeUrl({ ...base, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }))).location;
      const code = callbackParams(location).get('code')!;
      const results = await Promise.all(Array.from({ length: 8 }, () =>
        tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: CALLBACK, code_verifier: verifier })));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      assert.equal(results.filter((r) => r.json.error === 'invalid_grant').length, 7);
    });

    it('refresh tokens are bound to their client', async () => {
      const { tokens } = await signedUpUserWithTokens(t);
      const other = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, t.clients.confidential);
      assert.equal(other.json.error, 'invalid_grant');
      const garbage = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: 'garbage' });
      assert.equal(garbage.json.error, 'invalid_grant');
      const none = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id });
      assert.equal(none.json.error, 'invalid_request');
    });
  });

  describe('/oauth2/userInfo and /oauth2/revoke', () => {
    it('rejects missing, malformed, foreign and non-openid tokens with 401 and WWW-Authenticate', async () => {
      const missing = await fetch(`${t.url}/oauth2/userInfo`);
      assert.equal(missing.status, 401);
      assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
      for (const token of ['abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln']) {
        const res = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 401, token);
        assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      }
      const cc = await tokenRequest(t, { grant_type: 'client_credentials' }, t.clients.machine);
      const ccInfo = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${cc.json.access_token}` } });
      assert.equal(ccInfo.status, 401);
      const { tokens } = await signedUpUserWithTokens(t, 'aws.cognito.signin.user.admin');
      const noOpenid = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(noOpenid.status, 401);
      const idAsAccess = await signedUpUserWithTokens(t);
      const withId = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${idAsAccess.tokens.id_token}` } });
      assert.equal(withId.status, 401);
    });

    it('POST userInfo works like GET', async () => {
      const { tokens, email } = await signedUpUserWithTokens(t, 'openid email');
      const res = await fetch(`${t.url}/oauth2/userInfo`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(res.status, 200);
      const claims = (await res.json()) as Record<string, string>;
      assert.equal(claims.email, email);
      assert.equal(claims.given_name, undefined);
    });

    it('revoke: access tokens are unsupported, unknown tokens are fine, client auth is required', async () => {
      const { tokens } = await signedUpUserWithTokens(t);
      const form = (body: Record<string, string>, auth?: string) => fetch(`${t.url}/oauth2/revoke`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
        body: new URLSearchParams(body).toString(),
      });
      const access = await form({ token: tokens.access_token, client_id: t.clients.public.id });
      assert.equal(access.status, 400);
      assert.equal(((await access.json()) as { error: string }).error, 'unsupported_token_type');
      assert.equal((await form({ token: 'unknown', client_id: t.clients.public.id })).status, 200);
      const missingToken = await form({ client_id: t.clients.public.id });
      assert.equal(((await missingToken.json()) as { error: string }).error, 'invalid_request');
      const noClient = await form({ token: tokens.refresh_token });
      assert.equal(noClient.status, 401);
      const otherClient = await form({ token: tokens.refresh_token }, `Basic ${Buffer.from(`${t.clients.confidential.id}:${t.clients.confidential.secret}`).toString('base64')}`);
      assert.equal(otherClient.status, 400);
      const still = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: tokens.refresh_token });
      assert.equal(still.status, 200, 'another client cannot revoke the token');
    });
  });

  describe('/logout', () => {
    it('refuses unregistered logout_uri and missing parameters with a page', async () => {
      for (const query of [
        `client_id=${t.clients.public.id}&logout_uri=${encodeURIComponent('https://evil.example/')}`,
        `client_id=${t.clients.public.id}`,
        'logout_uri=https%3A%2F%2Flocalhost',
        `client_id=${t.clients.public.id}&redirect_uri=${encodeURIComponent('https://evil.example/')}&response_type=code`,
      ]) {
        const res = await fetch(`${t.url}/logout?${query}`, { redirect: 'manual' });
        assert.equal(res.status, 400, query);
        assert.equal(res.headers.get('location'), null);
      }
    });

    it('with redirect_uri and response_type, signs out and shows the sign-in page again', async () => {
      const user = await signedUpUserWithTokens(t);
      const res = await user.web.get(`/logout?${new URLSearchParams({ client_id: t.clients.public.id, redirect_uri: CALLBACK, response_type: 'code', state: 'again' })}`);
      assert.equal(res.status, 302);
      const location = new URL(res.location!);
      assert.equal(location.pathname, '/login');
      assert.equal(location.searchParams.get('state'), 'again');
      const next = await user.web.get(authorizeUrl({ ...base, prompt: 'none' }));
      assert.equal(callbackParams(next.location).get('error'), 'login_required');
    });
  });

  describe('implicit flow', () => {
    it('returns tokens in the fragment, with no refresh token, only for clients that allow it', async () => {
      const user = await signedUpUserWithTokens(t);
      const res = await user.web.get(authorizeUrl({ response_type: 'token', client_id: t.clients.public.id, redirect_uri: CALLBACK, scope: 'openid email', state: 'imp', nonce: 'nn' }));
      assert.equal(res.status, 302);
      const url = new URL(res.location!);
      assert.equal(url.search, '');
      const fragment = new URLSearchParams(url.hash.slice(1));
      assert.ok(fragment.get('access_token'));
      assert.ok(fragment.get('id_token'));
      assert.equal(fragment.get('refresh_token'), null);
      assert.equal(fragment.get('token_type'), 'Bearer');
      assert.equal(fragment.get('expires_in'), '3600');
      assert.equal(fragment.get('state'), 'imp');
      const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${fragment.get('access_token')}` } });
      assert.equal(info.status, 200);
    });
  });

  describe('hosted pages', () => {
    it('every form is protected against CSRF, and pages carry security headers', async () => {
      const web = new WebClient(t.url);
      const login = await web.follow(await web.get(authorizeUrl(base)));
      assert.equal(login.status, 200);
      const csp = login.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /default-src 'self'/);
      assert.equal(login.headers.get('x-frame-options'), 'DENY');
      assert.equal(login.headers.get('cache-control'), 'no-store');
      const action = formAction(login.body, 'cognitoSignInForm');
      const noToken = await web.post(action, { username: 'a@b.co', password: 'x' });
      assert.equal(noToken.status, 403);
      const forged = await web.post(action, { _csrf: 'forged', username: 'a@b.co', password: 'x' });
      assert.equal(forged.status, 403);
      const stranger = new WebClient(t.url);
      const stolen = await stranger.post(action, { _csrf: csrfToken(login.body), username: 'a@b.co', password: 'x' });
      assert.equal(stolen.status, 403, 'a token is bound to the browser that got it');
    });

    it('a wrong password and an unknown user read the same', async () => {
      const user = await signedUpUserWithTokens(t);
      const attempt = async (username: string) => {
        const web = new WebClient(t.url);
        const login = await web.follow(await web.get(authorizeUrl(base)));
        return web.post(formAction(login.body, 'cognitoSignInForm'), { _csrf: csrfToken(login.body), username, password: 'Wrong-Password-1' });
      };
      const wrong = await attempt(user.email);
      const unknown = await attempt('nobody@example.com');
      assert.equal(wrong.status, unknown.status);
      assert.match(wrong.body, /Incorrect username or password\./);
      assert.match(unknown.body, /Incorrect username or password\./);
    });

    it('escapes what it echoes back', async () => {
      const web = new WebClient(t.url);
      const login = await web.follow(await web.get(authorizeUrl({ ...base, state: '"><script>alert(1)</script>' })));
      assert.doesNotMatch(login.body, /<script>alert/);
      const posted = await web.post(formAction(login.body, 'cognitoSignInForm'), { _csrf: csrfToken(login.body), username: '<img src=x onerror=alert(1)>', password: 'x' });
      assert.doesNotMatch(posted.body, /<img src=x/);
    });
  });

  // PostgreSQL cannot store or even compare text holding U+0000; no parameter may contain it anyway.
  it('refuses a NUL character anywhere with a 4xx in the surface\'s own form, and stores nothing', async () => {
    const { web, email } = await signedUpUserWithTokens(t);
    const before = await t.database.snapshot();
    const nul = 'a\u0000b';

    const authorize = await web.get(authorizeUrl({ ...base, scope: 'openid', nonce: nul }));
    assert.equal(authorize.status, 400, 'a signed-in browser gets no code for a nonce with NUL');
    assert.equal(authorize.location, undefined);
    assert.equal((await fetch(`${t.url}${authorizeUrl({ ...base, client_id: nul })}`, { redirect: 'manual' })).status, 400);
    assert.equal((await fetch(`${t.url}/${encodeURIComponent(nul)}/.well-known/jwks.json`)).status, 400);
    const token = await tokenRequest(t, { grant_type: 'authorization_code', client_id: t.clients.public.id, code: nul, redirect_uri: CALLBACK });
    assert.deepEqual([token.status, token.json.error], [400, 'invalid_request']);
    const basic = await tokenRequest(t, { grant_type: 'client_credentials' }, { id: nul, secret: 'x' });
    assert.deepEqual([basic.status, basic.json.error], [401, 'invalid_client'], 'a NUL inside base64 Basic credentials');

    const page = new WebClient(t.url);
    const login = await page.follow(await page.get(authorizeUrl(base)));
    const posted = await page.post(formAction(login.body, 'cognitoSignInForm'), { _csrf: csrfToken(login.body), username: `${email}\u0000`, password: 'x' });
    assert.equal(posted.status, 400);
    assert.match(posted.headers.get('content-type') ?? '', /text\/html/);

    const api = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ForgotPassword' },
      body: JSON.stringify({ ClientId: t.clients.public.id, Username: `${email}\u0000` }),
    });
    assert.equal(api.status, 400);
    assert.equal(((await api.json()) as { __type: string }).__type, 'InvalidParameterException');
    const sdk = sdkClient(t.url);
    const listed = await sdk.send(new ListUsersCommand({ UserPoolId: t.poolId, PaginationToken: Buffer.from(nul).toString('base64url') }))
      .then(() => 'listed', (e: Error) => e.name)
      .finally(() => sdk.destroy());
    assert.equal(listed, 'InvalidParameterException', 'a NUL inside a base64 pagination token');

    assert.deepEqual(await t.database.snapshot(), before);
  });
});
