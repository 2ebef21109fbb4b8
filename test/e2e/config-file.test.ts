import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { projectRoot } from '../../src/config/paths.js';
import { createBackendDatabase } from '../helpers/backend.js';
import { callbackParams, signInThroughPages, tokenRequest } from '../helpers/flows.js';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, formAction, WebClient } from '../helpers/web-client.js';

const POOL_ID = 'eu-west-1_Config01';
const CALLBACK = 'https://app.example.com/callback';

const CONFIG = {
  UserPools: [
    {
      Id: POOL_ID,
      PoolName: 'Config Pool',
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false } },
      Schema: [{ Name: 'given_name', Required: true }, { Name: 'email', Required: true }, { Name: 'tenant', AttributeDataType: 'String' }],
      Groups: [
        { GroupName: 'readers', Precedence: 5 },
        { GroupName: 'admins', Precedence: 1, Description: 'Admins' },
      ],
      ResourceServers: [{ Identifier: 'https://api.example.com', Name: 'API', Scopes: [{ ScopeName: 'orders.read', ScopeDescription: 'Read orders' }] }],
      Clients: [
        {
          ClientId: 'configwebclient0000000001',
          ClientName: 'web',
          ClientSecret: 'a_very_long_client_secret_value_0123456789',
          CallbackURLs: [CALLBACK],
          LogoutURLs: ['https://app.example.com/'],
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid', 'email', 'profile', 'https://api.example.com/orders.read'],
          AllowedOAuthFlowsUserPoolClient: true,
          AccessTokenValidity: 10,
          TokenValidityUnits: { AccessToken: 'minutes' },
          RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 },
        },
        { ClientId: 'configspaclient000000001', ClientName: 'spa', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
      ],
      Users: [
        {
          Username: 'alice', Password: 'AlicePassw0rd',
          UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }, { Name: 'given_name', Value: 'Alice' }, { Name: 'custom:tenant', Value: 'acme' }],
          Groups: ['readers', 'admins'],
        },
        { Username: 'temp', TemporaryPassword: 'TempPassw0rd1', UserAttributes: [{ Name: 'email', Value: 'temp@example.com' }] },
      ],
    },
  ],
};

const SECRET = CONFIG.UserPools[0]!.Clients[0]!.ClientSecret!;
const SPA_CLIENT_ID = 'configspaclient000000001';
const CLIENT = { id: CONFIG.UserPools[0]!.Clients[0]!.ClientId, secret: SECRET };
const params = { response_type: 'code', client_id: CLIENT.id, redirect_uri: CALLBACK, scope: 'openid email profile', state: 'cfg' };

async function codeFlow(t: TestServer, username: string, password: string) {
  const web = new WebClient(t.url);
  const done = await signInThroughPages(web, params, username, password);
  const code = callbackParams(done.location).get('code');
  assert.ok(code, `sign-in failed: ${done.status} ${done.body.slice(0, 300)}`);
  return tokenRequest(t, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, CLIENT);
}

describe('configuration file', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ config: CONFIG });
  });
  after(async () => t.close());

  it('creates the pool, client, groups and users it declares, with its ids and token lifetimes', async () => {
    const res = await codeFlow(t, 'alice', 'AlicePassw0rd');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.expires_in, 600);
    const id = decodeJwt(res.json.id_token as string);
    assert.equal(id.iss, `${t.url}/${POOL_ID}`);
    assert.equal(id['cognito:username'], 'alice');
    assert.deepEqual(id['cognito:groups'], ['admins', 'readers']);
    assert.equal(id.given_name, 'Alice');
    assert.equal(id['custom:tenant'], 'acme');
    const access = decodeJwt(res.json.access_token as string);
    assert.equal(access.exp! - access.iat!, 600);
    assert.equal(access.username, 'alice');
    assert.deepEqual(access['cognito:groups'], ['admins', 'readers']);
    // Rotation is enabled on this client: a new refresh token, and the old one stops working.
    const rotated = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: res.json.refresh_token as string }, CLIENT);
    assert.equal(rotated.status, 200);
    assert.ok(rotated.json.refresh_token && rotated.json.refresh_token !== res.json.refresh_token);
    const reused = await tokenRequest(t, { grant_type: 'refresh_token', refresh_token: res.json.refresh_token as string }, CLIENT);
    assert.equal(reused.json.error, 'invalid_grant');
  });

  it('declared users can sign in with SRP at once (their verifier is made when the file is applied)', async () => {
    const Cognito = createRequire(import.meta.url)('amazon-cognito-identity-js') as typeof import('amazon-cognito-identity-js');
    const pool = new Cognito.CognitoUserPool({ UserPoolId: POOL_ID, ClientId: SPA_CLIENT_ID, endpoint: t.url });
    const user = new Cognito.CognitoUser({ Username: 'alice', Pool: pool });
    const session = await new Promise<import('amazon-cognito-identity-js').CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new Cognito.AuthenticationDetails({ Username: 'alice', Password: 'AlicePassw0rd' }), { onSuccess: resolve, onFailure: reject }));
    assert.equal(decodeJwt(session.getIdToken().getJwtToken())['cognito:username'], 'alice');
  });

  it('is applied again at restart without changing ids or overwriting a changed password', async () => {
    const web = new WebClient(t.url);
    const forgot = await web.get(`/forgotPassword?${new URLSearchParams(params)}`);
    const before = t.mail.messages.length;
    const sent = await web.post(formAction(forgot.body, 'forgotPasswordForm'), { _csrf: csrfToken(forgot.body), username: 'alice' });
    const confirmPage = await web.follow(sent);
    const code = await t.mail.codeFor('alice@example.com', { after: before });
    const reset = await web.post(formAction(confirmPage.body, 'confirmForgotPasswordForm'), {
      _csrf: csrfToken(confirmPage.body), username: 'alice', code, password: 'NewAlicePassw0rd', confirmPassword: 'NewAlicePassw0rd',
    });
    assert.equal(reset.status, 302);
    assert.match(reset.location ?? '', /notice=password_reset/);

    await t.restart();
    const pools = await t.server.services.pools.list();
    assert.deepEqual(pools.map((p) => p.id), [POOL_ID]);
    assert.deepEqual((await t.server.services.pools.listClients(POOL_ID)).map((c) => c.id).sort(), [CLIENT.id, SPA_CLIENT_ID].sort());
    const old = await signInThroughPages(new WebClient(t.url), params, 'alice', 'AlicePassw0rd');
    assert.equal(old.status, 400, 'the old password must not come back');
    assert.match(old.body, /Incorrect username or password/);
    assert.equal((await codeFlow(t, 'alice', 'NewAlicePassw0rd')).status, 200);
  });

  it('a user with a temporary password must choose a new one on the hosted page, then is signed in', async () => {
    const web = new WebClient(t.url);
    const posted = await signInThroughPages(web, params, 'temp', 'TempPassw0rd1');
    assert.equal(posted.status, 302);
    assert.match(posted.location ?? '', /\/newPassword\?/);
    const page = await web.get(posted.location!);
    assert.match(page.body, /given name/i, 'asks for the required attribute the user lacks');
    const weak = await web.post(formAction(page.body, 'newPasswordForm'), { _csrf: csrfToken(page.body), password: 'short', confirmPassword: 'short', given_name: 'Tim' });
    assert.equal(weak.status, 400);
    const done = await web.post(formAction(page.body, 'newPasswordForm'), { _csrf: csrfToken(page.body), password: 'ChosenPassw0rd', confirmPassword: 'ChosenPassw0rd', given_name: 'Tim' });
    assert.equal(done.status, 302);
    assert.ok(callbackParams(done.location).get('code'));
    assert.equal((await codeFlow(t, 'temp', 'ChosenPassw0rd')).status, 200);
    // Without the pending cookie the page is not reachable.
    const stranger = new WebClient(t.url);
    const direct = await stranger.get(`/newPassword?${new URLSearchParams(params)}`);
    assert.equal(direct.status, 302);
    assert.match(direct.location ?? '', /\/login\?/);
  });

  it('sign-up asks for the pool\'s required attributes and explains password-policy failures', async () => {
    const web = new WebClient(t.url);
    const signup = await web.get(`/signup?${new URLSearchParams(params)}`);
    assert.match(signup.body, /name="given_name"/);
    assert.match(signup.body, /name="email"/);
    const bad = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: 'bob', password: 'short', email: 'bob@example.com', given_name: 'Bob' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Password not long enough/);
    assert.match(bad.body, /Password must have uppercase characters/);
    const missing = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: 'bob', password: 'BobPassw0rd!', email: 'bob@example.com' });
    assert.equal(missing.status, 400);
    assert.match(missing.body, /given_name/);
    const taken = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: 'alice', password: 'BobPassw0rd!', email: 'bob@example.com', given_name: 'Bob' });
    assert.equal(taken.status, 400);
    assert.match(taken.body, /already exists/);
    const ok = await web.post(formAction(signup.body, 'signUpForm'), { _csrf: csrfToken(signup.body), username: 'bob', password: 'BobPassw0rd!', email: 'bob@example.com', given_name: 'Bob' });
    assert.equal(ok.status, 302);
    assert.match(ok.location ?? '', /\/confirmUser\?/);
  });
});

describe('a bad configuration file', () => {
  it('stops startup with the JSON path of every bad field, and applies nothing', async () => {
    const bad = structuredClone(CONFIG) as typeof CONFIG & { UserPools: Record<string, unknown>[] };
    const pool = bad.UserPools[0] as Record<string, unknown> & { Clients: Record<string, unknown>[]; Users: Record<string, unknown>[] };
    pool.Clients[0]!.CallbackURLs = ['http://app.example.com/callback'];
    pool.Clients.push({ ClientName: 'mixed', GenerateSecret: true, AllowedOAuthFlows: ['code', 'client_credentials'], AllowedOAuthFlowsUserPoolClient: true, CallbackURLs: [CALLBACK], AllowedOAuthScopes: ['nosuch/scope'] });
    pool.Users[0]!.Password = 'weak';
    const dir = mkdtempSync(join(tmpdir(), 'openpool-badcfg-'));
    const database = await createBackendDatabase(dir);
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(bad));
      const port = await freePort();
      const child = spawn(process.execPath, [join(projectRoot, 'dist/src/cli.js'), '--config', file], {
        env: { ...process.env, PORT: String(port), ...database.env, LOG_LEVEL: 'silent' },
      });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /UserPools\[0\]\.Clients\[0\]\.CallbackURLs\[0\]/);
      assert.match(stderr, /UserPools\[0\]\.Clients\[2\]\.AllowedOAuthFlows/);
      assert.match(stderr, /UserPools\[0\]\.Clients\[2\]\.AllowedOAuthScopes\[0\]/);
      assert.match(stderr, /UserPools\[0\]\.Users\[0\]\.Password/);
      const storage = await database.open();
      assert.deepEqual(await storage.pools.list(), [], 'nothing half-applied');
      await storage.close();

      writeFileSync(file, JSON.stringify({ UserPools: [{ PoolName: 'x', Bogus: 1, Clients: [{ ClientName: 'c', Nope: true }] }] }));
      const child2 = spawn(process.execPath, [join(projectRoot, 'dist/src/cli.js'), '--config', file], {
        env: { ...process.env, PORT: String(port), ...database.env, LOG_LEVEL: 'silent' },
      });
      let stderr2 = '';
      child2.stderr.on('data', (c) => (stderr2 += c));
      assert.equal(await new Promise((resolve) => child2.on('exit', resolve)), 1);
      assert.match(stderr2, /UserPools\[0\]\.Bogus: unknown field/);
      assert.match(stderr2, /UserPools\[0\]\.Clients\[0\]\.Nope: unknown field/);
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start without a config file', () => {
  it('seeds the example once and prints the same Postman values at every start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpool-seed-'));
    const database = await createBackendDatabase(join(dir, 'data'));
    try {
      const run = async () => {
        const port = await freePort();
        const child = spawn(process.execPath, [join(projectRoot, 'dist/src/cli.js')], {
          env: { ...process.env, PORT: String(port), ...database.env, LOG_LEVEL: 'silent', CONFIG: '' },
        });
        let stdout = '';
        child.stdout.on('data', (c) => (stdout += c));
        const exited = new Promise((resolve) => child.on('exit', resolve));
        try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no summary: ${stdout}`)), 20_000);
          child.stdout.on('data', () => {
            if (stdout.includes('Client example-public-pkce') && /Scopes.*\n\s*\n/.test(stdout.split('Client example-public-pkce')[1] ?? '')) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        assert.equal(health.status, 200);
        } finally {
          child.kill('SIGTERM');
        }
        assert.equal(await exited, 0);
        return stdout.replace(/localhost:\d+/g, 'localhost:PORT');
      };
      const first = await run();
      const second = await run();
      assert.equal(second, first);
      for (const label of ['Discovery URL', 'Auth URL', 'Token URL', 'Client ID', 'Client Secret', 'Callback URL   https://oauth.pstmn.io/v1/callback']) {
        assert.ok(first.includes(label), `summary lacks ${label}`);
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
