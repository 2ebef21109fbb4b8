import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import newman, { type NewmanRunSummary } from 'newman';
import { EXAMPLE_CALLBACKS, EXAMPLE_CONFIG, POSTMAN_CALLBACK } from '../../src/config/defaults.js';
import { callbackParams, pkcePair, signUpThroughPages, tokenRequest, uniqueEmail } from '../helpers/flows.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

// dist/test/e2e/postman.test.js → the repository root's postman/ folder.
const POSTMAN_DIR = new URL('../../../postman/', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, POSTMAN_DIR), 'utf8')) as Record<string, unknown>;

interface KeyValue {
  key: string;
  value: unknown;
}

interface Item {
  name: string;
  event?: { listen: string; script: { exec: string[] } }[];
  request: { auth?: { type: string }; method: string; url: { raw: string } };
}

interface Collection {
  info: { schema: string };
  auth: { type: string; oauth2: KeyValue[] };
  item: Item[];
}

interface Environment {
  values: (KeyValue & { enabled: boolean })[];
}

const loadCollection = () => readJson('openpool.postman_collection.json') as unknown as Collection;
const loadEnvironment = () => readJson('openpool.postman_environment.json') as unknown as Environment;
const asRecord = (pairs: KeyValue[]) => Object.fromEntries(pairs.map((p) => [p.key, p.value]));

const SCOPE = 'openid email profile aws.cognito.signin.user.admin';
const APP_CALLBACK = 'http://localhost:3000/callback';

/**
 * A confirmed user and tokens from the code flow with PKCE on the CONFIDENTIAL client, which
 * authenticates with HTTP Basic at the token endpoint (as Postman's "Send as Basic Auth header" does).
 */
async function confidentialUserWithTokens(t: TestServer, redirectUri = APP_CALLBACK, scope = SCOPE) {
  const web = new WebClient(t.url);
  const email = uniqueEmail('postman');
  const { verifier, challenge } = pkcePair();
  const params = {
    response_type: 'code', client_id: t.clients.confidential.id, redirect_uri: redirectUri, scope,
    state: 'postman-state', code_challenge: challenge, code_challenge_method: 'S256',
  };
  const done = await signUpThroughPages(t, web, params, email);
  assert.equal(done.status, 302, done.body.slice(0, 500));
  assert.ok(done.location?.startsWith(`${redirectUri}?`), `redirected to ${done.location}`);
  const cb = callbackParams(done.location);
  assert.equal(cb.get('state'), 'postman-state');
  const code = cb.get('code');
  assert.ok(code, `no code in ${done.location}`);
  const tokens = await tokenRequest(
    t,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    t.clients.confidential,
  );
  assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
  return { email, tokens: tokens.json as { id_token: string; access_token: string; refresh_token: string; expires_in: number } };
}

function runNewman(options: newman.NewmanRunOptions): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(options, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

/** How many pm.test assertions the collection's test scripts define (each is called once, unconditionally). */
function definedAssertions(collection: Collection): number {
  let count = 0;
  for (const item of collection.item) {
    for (const event of item.event ?? []) {
      if (event.listen !== 'test') continue;
      count += (event.script.exec.join('\n').match(/\bpm\.test\(/g) ?? []).length;
    }
  }
  return count;
}

describe('the Postman collection, run with newman against the real server', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  it('passes every assertion of every request, in order, with tokens from the confidential client', async () => {
    const { tokens } = await confidentialUserWithTokens(t);
    const collection = loadCollection();
    const environment = loadEnvironment();
    const expectedAssertions = definedAssertions(collection);
    assert.ok(expectedAssertions >= collection.item.length, 'every request has at least one pm.test');

    const overrides: Record<string, string> = {
      baseUrl: t.url,
      poolId: t.poolId,
      publicClientId: t.clients.public.id,
      confidentialClientId: t.clients.confidential.id,
      confidentialClientSecret: t.clients.confidential.secret,
      machineClientId: t.clients.machine.id,
      machineClientSecret: t.clients.machine.secret,
      access_token: tokens.access_token,
      id_token: tokens.id_token,
      refresh_token: tokens.refresh_token,
    };
    const summary = await runNewman({
      collection: collection as unknown as newman.NewmanRunOptions['collection'],
      environment: environment as unknown as newman.NewmanRunOptions['environment'],
      envVar: Object.entries(overrides).map(([key, value]) => ({ key, value })),
      reporters: [],
    });

    const failures = summary.run.failures.map((f) => ({
      request: f.source?.name,
      at: f.at,
      test: f.error.test,
      message: f.error.message,
    }));
    assert.deepEqual(failures, [], `newman failures:\n${JSON.stringify(failures, null, 2)}`);
    assert.equal(summary.error, undefined);

    const executed = summary.run.executions.map((e) => `${e.item.name} → ${e.response?.code}`);
    assert.deepEqual(executed, [
      'Discovery → 200',
      'JWKS → 200',
      'userInfo → 200',
      'Refresh tokens → 200',
      'Client credentials → 200',
      'Revoke refresh token → 200',
      'Refresh after revoke fails → 400',
      'userInfo after revoke fails → 401',
    ]);
    const { assertions, requests } = summary.run.stats;
    assert.equal(requests.total, collection.item.length);
    assert.equal(assertions.failed, 0);
    assert.equal(assertions.total, expectedAssertions, 'every pm.test the collection defines ran');

    // "Refresh tokens" saved a new access token into the environment.
    const saved = summary.environment.toObject(false, false) as Record<string, string>;
    assert.equal(typeof saved.access_token, 'string');
    assert.notEqual(saved.access_token, tokens.access_token);
    assert.notEqual(saved.id_token, tokens.id_token);
  });

  it("accepts the authorization request and code exchange Postman makes from the collection's OAuth 2.0 settings", async () => {
    const oauth2 = asRecord(loadCollection().auth.oauth2);
    const env = asRecord(loadEnvironment().values) as Record<string, string>;
    const vars: Record<string, string> = { ...env, baseUrl: t.url, confidentialClientId: t.clients.confidential.id };
    const resolve = (value: unknown) => String(value).replace(/\{\{(\w+)\}\}/g, (_m, name: string) => vars[name] ?? `{{${name}}}`);
    assert.equal(resolve(oauth2.authUrl), `${t.url}/oauth2/authorize`);
    assert.equal(resolve(oauth2.accessTokenUrl), `${t.url}/oauth2/token`);
    assert.equal(resolve(oauth2.clientId), t.clients.confidential.id);

    // Sign up on the hosted pages with Postman's callback and the collection's scope, then
    // exchange the code with the client's credentials in a Basic header (client_authentication "header").
    const { tokens } = await confidentialUserWithTokens(t, resolve(oauth2.redirect_uri), String(oauth2.scope));
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.id_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
  });
});

describe('the Postman files', () => {
  it('set up OAuth 2.0 Authorization Code with PKCE against OpenPool, as docs/postman.md describes', () => {
    const collection = loadCollection();
    const environment = loadEnvironment();
    assert.equal(collection.info.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    assert.equal(collection.auth.type, 'oauth2');
    assert.deepEqual(asRecord(collection.auth.oauth2), {
      grant_type: 'authorization_code_with_pkce',
      authUrl: '{{baseUrl}}/oauth2/authorize',
      accessTokenUrl: '{{baseUrl}}/oauth2/token',
      clientId: '{{confidentialClientId}}',
      clientSecret: '{{confidentialClientSecret}}',
      redirect_uri: '{{callbackUrl}}',
      scope: SCOPE,
      challengeAlgorithm: 'S256',
      client_authentication: 'header',
      useBrowser: false,
      tokenName: 'OpenPool',
      addTokenTo: 'header',
    });

    const env = asRecord(environment.values);
    assert.deepEqual(Object.keys(env).sort(), [
      'access_token', 'baseUrl', 'callbackUrl', 'confidentialClientId', 'confidentialClientSecret', 'id_token',
      'machineClientId', 'machineClientSecret', 'poolId', 'publicClientId', 'refresh_token',
    ]);
    assert.ok(environment.values.every((v) => v.enabled));
    assert.equal(env.baseUrl, 'http://localhost:9229');
    assert.equal(env.callbackUrl, 'https://oauth.pstmn.io/v1/callback');
    assert.equal(env.callbackUrl, POSTMAN_CALLBACK);

    // The example clients register Postman's callback and allow the collection's scopes.
    assert.ok(EXAMPLE_CALLBACKS.includes(POSTMAN_CALLBACK));
    const confidential = EXAMPLE_CONFIG.UserPools[0]!.Clients!.find((c) => c.ClientName === 'example-confidential')!;
    assert.ok(confidential.CallbackURLs?.includes(POSTMAN_CALLBACK));
    for (const scope of SCOPE.split(' ')) assert.ok(confidential.AllowedOAuthScopes?.includes(scope), scope);

    // Every request overrides the collection's OAuth 2.0 with its own auth.
    for (const item of collection.item) {
      assert.ok(['noauth', 'basic', 'bearer'].includes(item.request.auth?.type ?? ''), `${item.name} sets its own auth`);
    }
  });
});
