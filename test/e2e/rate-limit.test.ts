import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadServerConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/pools/apply-config.js';
import { signedUpUserWithTokens, STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, formAction } from '../helpers/web-client.js';

interface IpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Requests from a chosen loopback address (127.0.0.x), so each test spends the budget of its own
 * client address on one server; keeps cookies like a browser would.
 */
class IpClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string, readonly localAddress: string) {}

  request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<IpResponse> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method, headers, localAddress: this.localAddress }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const pair = line.split(';')[0]!;
          const eq = pair.indexOf('=');
          this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  form(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  }

  api(operation: string, input: unknown) {
    return this.request('POST', '/', {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(input),
    });
  }
}

describe('per-IP rate limits (RATE_LIMIT_PER_MINUTE=5)', () => {
  let t: TestServer;
  let accessToken: string;
  before(async () => {
    t = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    // From 127.0.0.1 (fetch): sign-up, confirmation and the token request spend 3 of its 5.
    accessToken = (await signedUpUserWithTokens(t)).tokens.access_token;
  });
  after(async () => t.close());

  it('OAuth: the 6th token request within the minute is 429 invalid_request with Retry-After; JWKS and userInfo still answer', async () => {
    const c = new IpClient(t.url, '127.0.0.2');
    const basic = { authorization: `Basic ${Buffer.from(`${t.clients.machine.id}:${t.clients.machine.secret}`).toString('base64')}` };
    for (let i = 1; i <= 5; i++) {
      const res = await c.form('/oauth2/token', { grant_type: 'client_credentials' }, basic);
      assert.equal(res.status, 200, `request ${i}: ${res.body}`);
      assert.ok(JSON.parse(res.body).access_token);
    }
    const refused = await c.form('/oauth2/token', { grant_type: 'client_credentials' }, basic);
    assert.equal(refused.status, 429);
    const body = JSON.parse(refused.body) as Record<string, string>;
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description ?? '', /^Too many requests/);
    assert.match(String(refused.headers['retry-after']), /^\d+$/);
    assert.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60);
    assert.equal(refused.headers['cache-control'], 'no-store');

    // Without TRUST_PROXY a forwarded address is not believed, so it buys no new budget.
    const spoofed = await c.form('/oauth2/token', { grant_type: 'client_credentials' }, { ...basic, 'x-forwarded-for': '203.0.113.9' });
    assert.equal(spoofed.status, 429);

    // One budget for all limited endpoints: revoke is refused too.
    const revoke = await c.form('/oauth2/revoke', { token: 'x' }, basic);
    assert.equal(revoke.status, 429);
    assert.equal(JSON.parse(revoke.body).error, 'invalid_request');

    // Unlimited endpoints from the same address are untouched.
    const jwks = await c.request('GET', `/${t.poolId}/.well-known/jwks.json`);
    assert.equal(jwks.status, 200);
    const discovery = await c.request('GET', `/${t.poolId}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const userInfo = await c.request('GET', '/oauth2/userInfo', { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(userInfo.status, 200, userInfo.body);
    assert.ok(JSON.parse(userInfo.body).sub);

    // Another address keeps its own budget (127.0.0.1 has spent 3 of 5).
    const other = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic }, body: 'grant_type=client_credentials',
    });
    assert.equal(other.status, 200);
  });

  it('hosted pages: the 6th sign-in post re-renders a friendly page with 429', async () => {
    const c = new IpClient(t.url, '127.0.0.3');
    const page = await c.request('GET', `/login?response_type=code&client_id=${t.clients.public.id}&redirect_uri=${encodeURIComponent('http://localhost:3000/callback')}`);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    const action = formAction(page.body, 'cognitoSignInForm');
    const _csrf = csrfToken(page.body);
    // A different unknown user each time, so no per-user lockout plays a part.
    for (let i = 1; i <= 5; i++) {
      const res = await c.form(action, { _csrf, username: uniqueEmail('nobody'), password: STRONG_PASSWORD });
      assert.equal(res.status, 400, `request ${i}`);
      assert.match(res.body, /Incorrect username or password/);
    }
    const refused = await c.form(action, { _csrf, username: uniqueEmail('nobody'), password: STRONG_PASSWORD });
    assert.equal(refused.status, 429);
    assert.match(String(refused.headers['content-type']), /text\/html/);
    assert.match(refused.body, /Too many requests, please try after some time/);
    assert.match(String(refused.headers['retry-after']), /^\d+$/);

    // Refused before the CSRF check: every limited page's post (and Cognito's alias path) shares the budget.
    for (const path of ['/signup', '/resendCode', '/confirmForgotPassword', '/confirmforgotPassword']) {
      const res = await c.form(path, { username: uniqueEmail() });
      assert.equal(res.status, 429, path);
    }
    // The pages themselves still load.
    assert.equal((await c.request('GET', `/login?response_type=code&client_id=${t.clients.public.id}&redirect_uri=${encodeURIComponent('http://localhost:3000/callback')}`)).status, 200);
  });

  it('Cognito API: the 6th SignUp is 400 TooManyRequestsException "Rate exceeded"; unlimited operations still answer', async () => {
    const c = new IpClient(t.url, '127.0.0.4');
    for (let i = 1; i <= 5; i++) {
      const res = await c.api('SignUp', { ClientId: t.clients.public.id, Username: uniqueEmail('api'), Password: STRONG_PASSWORD });
      assert.equal(res.status, 200, `request ${i}: ${res.body}`);
      assert.ok(JSON.parse(res.body).UserSub);
    }
    const refused = await c.api('SignUp', { ClientId: t.clients.public.id, Username: uniqueEmail('api'), Password: STRONG_PASSWORD });
    assert.equal(refused.status, 400);
    assert.deepEqual(JSON.parse(refused.body), { __type: 'TooManyRequestsException', message: 'Rate exceeded' });
    assert.equal(refused.headers['x-amzn-errortype'], 'TooManyRequestsException');
    assert.match(String(refused.headers['retry-after']), /^\d+$/);

    // Every listed operation shares the budget, whatever its input.
    const initiate = await c.api('InitiateAuth', { ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: {} });
    assert.equal(JSON.parse(initiate.body).__type, 'TooManyRequestsException');

    // Operations that are not limited still answer from the same address.
    const getUser = await c.api('GetUser', { AccessToken: accessToken });
    assert.equal(getUser.status, 200, getUser.body);
    assert.ok(JSON.parse(getUser.body).Username);
  });
});

describe('behind a trusted reverse proxy (TRUST_PROXY=loopback, RATE_LIMIT_PER_MINUTE=2)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'loopback' } }); });
  after(async () => t.close());

  it('each forwarded client address has its own budget, and the log names the client, not the proxy', async () => {
    const c = new IpClient(t.url, '127.0.0.5');
    const basic = { authorization: `Basic ${Buffer.from(`${t.clients.machine.id}:${t.clients.machine.secret}`).toString('base64')}` };
    const asClient = (ip: string) => c.form('/oauth2/token', { grant_type: 'client_credentials' }, { ...basic, 'x-forwarded-for': ip });
    assert.equal((await asClient('203.0.113.1')).status, 200);
    assert.equal((await asClient('203.0.113.1')).status, 200);
    assert.equal((await asClient('203.0.113.1')).status, 429);
    assert.equal((await asClient('203.0.113.2')).status, 200, 'another client behind the same proxy');
    // A client's own X-Forwarded-For is kept, but the proxy appends what it saw, and that is the address counted.
    assert.equal((await asClient('198.51.100.7, 203.0.113.1')).status, 429);
    const exceeded = t.logs.filter((line) => line.includes('rate limit exceeded')).map((line) => JSON.parse(line) as { ip: string });
    assert.deepEqual(exceeded.map((l) => l.ip), ['203.0.113.1', '203.0.113.1']);
  });
});

describe('RATE_LIMIT_PER_MINUTE', () => {
  it('TRUST_PROXY takes addresses, CIDR ranges and range names, and nothing else', () => {
    assert.equal(loadServerConfig({}, [], '/tmp').trustProxy, undefined);
    for (const good of ['loopback', '10.0.0.1', '172.16.0.0/12, fd00::/8', 'uniquelocal,loopback', '::1']) {
      assert.equal(loadServerConfig({ TRUST_PROXY: good }, [], '/tmp').trustProxy, good);
    }
    for (const bad of ['true', '1', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/8', '*']) {
      assert.throws(() => loadServerConfig({ TRUST_PROXY: bad }, [], '/tmp'),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path[0] === 'TRUST_PROXY'), bad);
    }
  });

  it('defaults to 300 and must be a positive whole number', () => {
    assert.equal(loadServerConfig({}, [], '/tmp').rateLimitPerMinute, 300);
    assert.equal(loadServerConfig({ RATE_LIMIT_PER_MINUTE: '' }, [], '/tmp').rateLimitPerMinute, 300);
    assert.equal(loadServerConfig({ RATE_LIMIT_PER_MINUTE: '1000' }, [], '/tmp').rateLimitPerMinute, 1000);
    for (const bad of ['0', '-1', '2.5', 'many']) {
      assert.throws(() => loadServerConfig({ RATE_LIMIT_PER_MINUTE: bad }, [], '/tmp'),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path[0] === 'RATE_LIMIT_PER_MINUTE'), bad);
    }
  });
});
