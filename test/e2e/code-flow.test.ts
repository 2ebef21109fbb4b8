import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { callbackParams, pkcePair, signedUpUserWithTokens, signInThroughPages, signUpThroughPages, STRONG_PASSWORD, tokenRequest, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, formAction, WebClient } from '../helpers/web-client.js';

describe('authorization code flow with PKCE, end to end', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  it('signs up, confirms with the emailed code, exchanges the code, reads userInfo, refreshes, revokes and logs out', async () => {
    const web = new WebClient(t.url);
    const email = uniqueEmail('flow');
    const { verifier, challenge } = pkcePair();
    const params = {
      response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback',
      scope: 'openid email profile', state: 'xyz-state', nonce: 'n-0S6_WzA2Mj', code_challenge: challenge, code_challenge_method: 'S256',
    };
    const done = await signUpThroughPages(t, web, params, email);
    assert.equal(done.status, 302);
    assert.ok(done.location?.startsWith('http://localhost:3000/callback?'));
    const cb = callbackParams(done.location);
    assert.equal(cb.get('state'), 'xyz-state');
    const code = cb.get('code')!;
    assert.match(code, /^[0-9a-f-]{36}$/);

    const tokens = await tokenRequest(t, {
      grant_type: 'authorization_code', client_id: t.clients.public.id, code, redirect_uri: params.redirect_uri, code_verifier: verifier,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    assert.equal(tokens.headers.get('cache-control'), 'no-store');
    const { id_token, access_token, refresh_token, token_type, expires_in } = tokens.json as Record<string, string>;
    assert.equal(token_type, 'Bearer');
    assert.equal(expires_in, 3600);
    assert.ok(refresh_token && !refresh_token.includes(email));

    const jwks = createRemoteJWKSet(new URL(`${t.url}/${t.poolId}/.well-known/jwks.json`));
    const id = (await jwtVerify(id_token!, jwks, { issuer: t.issuer, audience: t.clients.public.id })).payload;
    assert.equal(id.token_use, 'id');
    assert.equal(id.email, email);
    assert.equal(id.email_verified, true);
    assert.equal(id.nonce, 'n-0S6_WzA2Mj');
    assert.equal(typeof id.at_hash, 'string');
    assert.equal(id['cognito:username'], id.sub, 'email-as-username pools use the sub as username');
    const access = (await jwtVerify(access_token!, jwks, { issuer: t.issuer })).payload;
    assert.equal(access.token_use, 'access');
    assert.equal(access.client_id, t.clients.public.id);
    assert.equal(access.scope, 'openid email profile');
    assert.equal(access.version, 2);
    assert.equal(access.origin_jti, id.origin_jti);

    const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(info.status, 200);
    const claims = (await info.json()) as Record<string, string>;
    assert.equal(claims.email, email);
    assert.equal(claims.email_verified, 'true');
    assert.equal(claims.sub, id.sub);

    const refreshed = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: refresh_token! });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.refresh_token, undefined, 'no rotation by default');
    const refreshedId = (await jwtVerify(refreshed.json.id_token as string, jwks, { issuer: t.issuer })).payload;
    assert.equal(refreshedId.auth_time, id.auth_time);
    assert.equal(refreshedId.origin_jti, id.origin_jti);

    const revoke = await fetch(`${t.url}/oauth2/revoke`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token!, client_id: t.clients.public.id }).toString(),
    });
    assert.equal(revoke.status, 200);
    const afterRevoke = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: refresh_token! });
    assert.equal(afterRevoke.status, 400);
    assert.equal(afterRevoke.json.error, 'invalid_grant');
    const infoAfter = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(infoAfter.status, 401);
    assert.match(infoAfter.headers.get('www-authenticate') ?? '', /invalid_token/);

    // SSO: the session cookie answers the next authorize without a form.
    const sso = await signInThroughPages(web, { ...params, state: 'second' }, email, 'not-used');
    assert.equal(sso.status, 302);
    assert.equal(callbackParams(sso.location).get('state'), 'second');

    const logout = await web.get(`/logout?client_id=${t.clients.public.id}&logout_uri=${encodeURIComponent('http://localhost:3000/')}`);
    assert.equal(logout.status, 302);
    assert.equal(logout.location, 'http://localhost:3000/');
    const none = await web.get(`/oauth2/authorize?${new URLSearchParams({ ...params, prompt: 'none' })}`);
    assert.equal(callbackParams(none.location).get('error'), 'login_required');

    const again = await signInThroughPages(web, params, email, STRONG_PASSWORD);
    assert.equal(again.status, 302);
    assert.ok(callbackParams(again.location).get('code'));

    // Nothing secret reached the log on the way.
    const log = t.logs.join('');
    for (const secret of [STRONG_PASSWORD, code, refresh_token!, access_token!, id_token!, verifier]) {
      assert.ok(!log.includes(secret), `log contains a secret: ${secret.slice(0, 12)}…`);
    }
  });

  it('a password reset through the pages ends the old refresh tokens and sessions', async () => {
    const user = await signedUpUserWithTokens(t);
    const forgot = await user.web.get(`/forgotPassword?${new URLSearchParams({ response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' })}`);
    const before = t.mail.messages.length;
    const sent = await user.web.post(formAction(forgot.body, 'forgotPasswordForm'), { _csrf: csrfToken(forgot.body), username: user.email });
    const page = await user.web.follow(sent);
    const code = await t.mail.codeFor(user.email, { after: before });
    const mismatch = await user.web.post(formAction(page.body, 'confirmForgotPasswordForm'), {
      _csrf: csrfToken(page.body), username: user.email, code, password: 'New-Passw0rd-1', confirmPassword: 'Different-1!',
    });
    assert.equal(mismatch.status, 400);
    const weak = await user.web.post(formAction(page.body, 'confirmForgotPasswordForm'), {
      _csrf: csrfToken(page.body), username: user.email, code, password: 'weak', confirmPassword: 'weak',
    });
    assert.equal(weak.status, 400);
    assert.match(weak.body, /Password not long enough/);
    const done = await user.web.post(formAction(page.body, 'confirmForgotPasswordForm'), {
      _csrf: csrfToken(page.body), username: user.email, code, password: 'New-Passw0rd-1', confirmPassword: 'New-Passw0rd-1',
    });
    assert.equal(done.status, 302);
    const refresh = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: user.tokens.refresh_token });
    assert.equal(refresh.json.error, 'invalid_grant');
    const silent = await user.web.get(`/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback', prompt: 'none' })}`);
    assert.equal(callbackParams(silent.location).get('error'), 'login_required', 'the browser session ended too');
    const reused = await user.web.post(formAction(page.body, 'confirmForgotPasswordForm'), {
      _csrf: csrfToken(page.body), username: user.email, code, password: 'Other-Passw0rd-2', confirmPassword: 'Other-Passw0rd-2',
    });
    assert.equal(reused.status, 400, 'a code works once');
    const fresh = new WebClient(t.url);
    const signIn = await signInThroughPages(fresh, { response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' }, user.email, 'New-Passw0rd-1');
    assert.ok(callbackParams(signIn.location).get('code'));
  });

  it('forgot password for an unknown address looks the same as for a real one', async () => {
    const web = new WebClient(t.url);
    const forgot = await web.get(`/forgotPassword?${new URLSearchParams({ response_type: 'code', client_id: t.clients.public.id, redirect_uri: 'http://localhost:3000/callback' })}`);
    const sent = await web.post(formAction(forgot.body, 'forgotPasswordForm'), { _csrf: csrfToken(forgot.body), username: 'nobody-here@example.com' });
    assert.equal(sent.status, 302);
    assert.match(sent.location ?? '', /\/confirmForgotPassword\?/);
  });

  it('keeps users and keys across a restart', async () => {
    const user = await signedUpUserWithTokens(t);
    const jwksBefore = await (await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`)).text();
    await t.restart();
    assert.equal(await (await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`)).text(), jwksBefore);
    const refreshed = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: user.tokens.refresh_token });
    assert.equal(refreshed.status, 200);
    const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${user.tokens.access_token}` } });
    assert.equal(info.status, 200);
  });

  it('discovery names every endpoint and serves ETags', async () => {
    const res = await fetch(`${t.url}/${t.poolId}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, t.issuer);
    assert.equal(doc.authorization_endpoint, `${t.url}/oauth2/authorize`);
    assert.equal(doc.token_endpoint, `${t.url}/oauth2/token`);
    assert.equal(doc.userinfo_endpoint, `${t.url}/oauth2/userInfo`);
    assert.equal(doc.revocation_endpoint, `${t.url}/oauth2/revoke`);
    assert.equal(doc.end_session_endpoint, `${t.url}/logout`);
    assert.equal(doc.jwks_uri, `${t.url}/${t.poolId}/.well-known/jwks.json`);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.response_types_supported, ['code', 'token']);
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${t.url}/${t.poolId}/.well-known/openid-configuration`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const jwks = (await (await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    assert.equal(jwks.keys.length, 2, 'one key for ID tokens, one for access tokens');
    for (const key of jwks.keys) {
      assert.equal(key.kty, 'RSA');
      assert.equal(key.alg, 'RS256');
      assert.equal(key.use, 'sig');
      assert.equal(key.d, undefined, 'no private parts');
    }
    assert.equal((await fetch(`${t.url}/us-east-1_Nope/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${t.url}/us-east-1_Nope/.well-known/jwks.json`)).status, 404);
  });

  it('logs one line per request, with secret query parameters blanked, and sends the security headers', async () => {
    const requestId = `access-${Date.now()}`;
    const res = await fetch(`${t.url}/oauth2/authorize?client_id=nobody&code=s3cret-code-value&state=st4te-value`, { headers: { 'x-request-id': requestId } });
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    // The line is written after the response is sent.
    let lines: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && lines.length === 0; i++) {
      lines = t.logs.flatMap((l) => l.split('\n')).filter((l) => l.includes(requestId)).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (lines.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    const requestLines = lines.filter((l) => l.req !== undefined);
    assert.equal(requestLines.length, 1, 'one line per request');
    const [line] = requestLines;
    assert.equal(line!.msg, 'request completed');
    assert.deepEqual(line!.res, { statusCode: res.status });
    assert.equal(typeof line!.responseTime, 'number');
    const req = line!.req as Record<string, string>;
    assert.equal(req.method, 'GET');
    assert.match(req.url!, /client_id=nobody/);
    assert.ok(!JSON.stringify(lines).includes('s3cret-code-value') && !JSON.stringify(lines).includes('st4te-value'), 'secret parameters blanked');
  });
});
