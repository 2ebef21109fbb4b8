/**
 * Several OpenPool processes' worth of instances (startOpenPool, each with its own connection pool,
 * caches and HTTP server) on different ports over ONE PostgreSQL database, with the same master
 * key and config file, started at the same moment: what one instance issues or changes, the others
 * honour at once, and single-use things stay single-use when two instances race for them.
 * Always PostgreSQL: sharing a database between instances is what that backend is for.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  AssociateSoftwareTokenCommand, CognitoIdentityProviderClient, DescribeUserPoolClientCommand, GlobalSignOutCommand, InitiateAuthCommand,
  ListUserPoolClientsCommand, ListUserPoolsCommand, ListUsersCommand, RespondToAuthChallengeCommand, RevokeTokenCommand,
  VerifySoftwareTokenCommand, type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { generate } from 'otplib';
import { KEY_REFRESH_MS } from '../../src/infra/jose-signer.js';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { existingDatabase, TEST_SECRET_KEY } from '../helpers/backend.js';
import { manualClock } from '../helpers/clock.js';
import { authorizeUrl, callbackParams, pkcePair, signInThroughPages, STRONG_PASSWORD } from '../helpers/flows.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort } from '../helpers/server.js';
import { csrfToken, formAction, WebClient } from '../helpers/web-client.js';
import { sdkClient } from '../helpers/sdk.js';

const require = createRequire(import.meta.url);
const Cognito = require('amazon-cognito-identity-js') as typeof import('amazon-cognito-identity-js');

const POOL_ID = 'us-east-1_MultiInst1';
const CLIENT_ID = 'multiweb0000000000000001';
const CALLBACK = 'http://localhost:3000/callback';
const USERS = ['sso', 'csrf', 'revoker', 'leaver', 'srp', 'mfa', 'rotator', 'locked'] as const;
const INSTANCES = 3;

const CONFIG = {
  UserPools: [
    {
      Id: POOL_ID,
      PoolName: 'multi-instance',
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Clients: [{
        ClientId: CLIENT_ID, ClientName: 'web', CallbackURLs: [CALLBACK], AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }],
      Users: USERS.map((Username) => ({ Username, Password: STRONG_PASSWORD })),
    },
    // Matched by name, not id, when the file is applied again: every instance must find the same pool and client.
    {
      PoolName: 'named only',
      Clients: [{ ClientName: 'named-app', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      Users: [{ Username: 'named-user', Password: STRONG_PASSWORD }],
    },
  ],
};

interface Instance {
  server: OpenPool;
  url: string;
  sdk: CognitoIdentityProviderClient;
  logs: string[];
}

const errorName = (name: string, message?: RegExp) => (e: unknown) => {
  assert.equal((e as Error).name, name, `expected ${name}, got ${(e as Error).name}: ${(e as Error).message}`);
  if (message) assert.match((e as Error).message, message);
  return true;
};
const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

describe('several instances over one PostgreSQL database', () => {
  const clock = manualClock();
  const totpAt = (secret: string, ms = clock.now()) => generate({ secret, epoch: Math.floor(ms / 1000) });
  let database: TestDatabase;
  let dir: string;
  let nodes: Instance[] = [];
  let A: Instance;
  let B: Instance;

  before(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'openpool-multi-'));
    const configFile = join(dir, 'openpool.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    // Behind one load balancer every instance has the same public URL, hence the same issuer.
    const publicUrl = `http://localhost:${ports[0]}`;
    const started = await Promise.allSettled(ports.map(async (port) => {
      const logs: string[] = [];
      const server = await startOpenPool({
        env: {
          PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: publicUrl, DATABASE_URL: database.url, OPENPOOL_SECRET_KEY: TEST_SECRET_KEY,
          LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000',
        },
        argv: ['--config', configFile],
        clock,
        logDestination: new Writable({ write: (chunk, _enc, cb) => { logs.push(chunk.toString()); cb(); } }),
      });
      const url = `http://localhost:${port}`;
      return { server, url, logs, sdk: sdkClient(url) };
    }));
    nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.deepEqual(failed.map((f) => String(f.reason)), [], 'every instance starts');
    [A, B] = [nodes[0]!, nodes[1]!];
  });
  after(async () => {
    for (const node of nodes) {
      node.sdk.destroy();
      await node.server.close();
    }
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signIn = (node: Instance, username: string, password = STRONG_PASSWORD): Promise<InitiateAuthCommandOutput> =>
    node.sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  const answerTotp = (node: Instance, username: string, session: string | undefined, code: string) =>
    node.sdk.send(new RespondToAuthChallengeCommand({
      ClientId: CLIENT_ID, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: session, ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
    }));
  const tokenAt = async (node: Instance, form: Record<string, string>) => {
    const res = await fetch(`${node.url}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, json: (await res.json()) as Record<string, string> };
  };
  const authorizeParams = (challenge: string, scope = 'openid profile') => ({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: CALLBACK, scope, state: 'multi', code_challenge: challenge, code_challenge_method: 'S256',
  });
  /** Another instance's view of the same browser: same cookie jar (cookies for localhost ignore the port), other address. */
  const sameBrowserOn = (node: Instance, web: WebClient) => {
    const other = new WebClient(node.url);
    for (const [name, value] of web.cookies) other.cookies.set(name, value);
    return other;
  };
  const successes = (results: PromiseSettledResult<unknown>[]) => results.filter((r) => r.status === 'fulfilled').length;

  it('all start together on one config file, and its pools, clients and users exist once', async () => {
    assert.equal(nodes.length, INSTANCES);
    const pools = (await B.sdk.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
    assert.deepEqual(pools.map((p) => p.Name).sort(), ['multi-instance', 'named only']);
    const named = pools.find((p) => p.Name === 'named only')!.Id!;
    for (const [poolId, clientNames, users] of [[POOL_ID, ['web'], USERS.length], [named, ['named-app'], 1]] as const) {
      const clients = (await A.sdk.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }))).UserPoolClients ?? [];
      assert.deepEqual(clients.map((c) => c.ClientName), clientNames, poolId);
      assert.equal((await A.sdk.send(new ListUsersCommand({ UserPoolId: poolId, Limit: 60 }))).Users?.length, users, poolId);
    }
    // The generated secret that was kept is the one every instance checks.
    const namedClient = (await A.sdk.send(new ListUserPoolClientsCommand({ UserPoolId: named, MaxResults: 60 }))).UserPoolClients![0]!.ClientId!;
    const secrets = await Promise.all(nodes.map(async (n) =>
      (await n.sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: named, ClientId: namedClient }))).UserPoolClient?.ClientSecret));
    assert.equal(new Set(secrets).size, 1);
    // One active key per purpose, whoever made it.
    const keys = await A.server.services.keys.list(POOL_ID);
    assert.deepEqual(keys.map((k) => `${k.purpose} ${k.status}`).sort(), ['access active', 'id active']);
  });

  it('a code issued by A redeems on B; A\'s session cookie signs the browser in on B; A\'s CSRF token is good on B', async () => {
    const web = new WebClient(A.url);
    const pkce = pkcePair();
    const done = await signInThroughPages(web, authorizeParams(pkce.challenge), 'sso');
    const code = callbackParams(done.location).get('code');
    assert.ok(code, `sign-in on A failed: ${done.status} ${done.body.slice(0, 200)}`);
    const redeemed = await tokenAt(B, { grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: CALLBACK, code_verifier: pkce.verifier });
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.json));
    assert.ok(redeemed.json.id_token && redeemed.json.refresh_token);

    const sso = pkcePair();
    const onB = await sameBrowserOn(B, web).get(authorizeUrl(authorizeParams(sso.challenge)));
    assert.equal(onB.status, 302);
    assert.ok(onB.location?.startsWith(CALLBACK), `B answered with ${onB.location}`);
    const ssoCode = callbackParams(onB.location).get('code')!;
    const ssoTokens = await tokenAt(A, { grant_type: 'authorization_code', client_id: CLIENT_ID, code: ssoCode, redirect_uri: CALLBACK, code_verifier: sso.verifier });
    assert.equal(ssoTokens.status, 200, JSON.stringify(ssoTokens.json));

    const fresh = new WebClient(A.url);
    const form = pkcePair();
    const login = await fresh.follow(await fresh.get(authorizeUrl(authorizeParams(form.challenge))));
    assert.ok(fresh.cookies.size > 0, 'A set the CSRF cookie');
    const posted = await sameBrowserOn(B, fresh).post(formAction(login.body, 'cognitoSignInForm'), { _csrf: csrfToken(login.body), username: 'csrf', password: STRONG_PASSWORD });
    assert.equal(posted.status, 302, posted.body.slice(0, 300));
    assert.ok(callbackParams(posted.location).get('code'));
  });

  it('a refresh token revoked on A is refused by B at once; a GlobalSignOut on A ends the access token on B', async () => {
    const tokens = (await signIn(A, 'revoker')).AuthenticationResult!;
    const refresh = () => B.sdk.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }));
    assert.ok((await refresh()).AuthenticationResult?.AccessToken, 'B refreshes before the revocation');
    await A.sdk.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: tokens.RefreshToken }));
    await assert.rejects(refresh(), errorName('NotAuthorizedException'));

    // userInfo wants an access token with openid, as the hosted flow gives.
    const pkce = pkcePair();
    const signedIn = await signInThroughPages(new WebClient(B.url), authorizeParams(pkce.challenge, 'openid aws.cognito.signin.user.admin'), 'leaver');
    const leaver = await tokenAt(B, {
      grant_type: 'authorization_code', client_id: CLIENT_ID, code: callbackParams(signedIn.location).get('code')!, redirect_uri: CALLBACK, code_verifier: pkce.verifier,
    });
    const userInfo = (node: Instance) => fetch(`${node.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${leaver.json.access_token}` } });
    assert.equal((await userInfo(B)).status, 200);
    await A.sdk.send(new GlobalSignOutCommand({ AccessToken: leaver.json.access_token }));
    assert.equal((await userInfo(B)).status, 401);
    assert.equal((await userInfo(nodes[2]!)).status, 401);
  });

  it('an SRP sign-in started on A (PASSWORD_VERIFIER) completes on B, through amazon-cognito-identity-js', async () => {
    const poolOn = (node: Instance) => new Cognito.CognitoUserPool({ UserPoolId: POOL_ID, ClientId: CLIENT_ID, endpoint: node.url });
    const [onA, onB] = [poolOn(A), poolOn(B)];
    const user = new Cognito.CognitoUser({ Username: 'srp', Pool: onA });
    type Request = (operation: string, params: unknown, callback: (err: unknown, data: unknown) => void) => void;
    const served: string[] = [];
    // As a load balancer might: the challenge goes to A, the answer to B.
    (user as unknown as { client: { request: Request } }).client = {
      request(operation, params, callback) {
        const node = operation === 'InitiateAuth' ? onA : onB;
        served.push(`${operation}@${node === onA ? 'A' : 'B'}`);
        (node as unknown as { client: { request: Request } }).client.request(operation, params, callback);
      },
    };
    const session = await new Promise<import('amazon-cognito-identity-js').CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new Cognito.AuthenticationDetails({ Username: 'srp', Password: STRONG_PASSWORD }), { onSuccess: resolve, onFailure: reject }));
    assert.deepEqual(served, ['InitiateAuth@A', 'RespondToAuthChallenge@B']);
    assert.ok(session.isValid());
  });

  describe('MFA', () => {
    let secret: string;
    before(async () => {
      const tokens = (await signIn(A, 'mfa')).AuthenticationResult!;
      secret = (await A.sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: tokens.AccessToken }))).SecretCode!;
      await B.sdk.send(new VerifySoftwareTokenCommand({ AccessToken: tokens.AccessToken, UserCode: await totpAt(secret) }));
    });

    it('a challenge Session from InitiateAuth on A is answered on B', async () => {
      clock.advance(30_000);
      const challenge = await signIn(A, 'mfa');
      assert.equal(challenge.ChallengeName, 'SOFTWARE_TOKEN_MFA');
      const done = await answerTotp(B, 'mfa', challenge.Session, await totpAt(secret));
      assert.ok(done.AuthenticationResult?.AccessToken);
    });

    it('one TOTP code used on A and B at the same instant signs in exactly once', async (t) => {
      for (let round = 0; round < 5; round++) {
        clock.advance(30_000);
        const [onA, onB] = await Promise.all([signIn(A, 'mfa'), signIn(B, 'mfa')]);
        const code = await totpAt(secret);
        const results = await Promise.allSettled([answerTotp(A, 'mfa', onA.Session, code), answerTotp(B, 'mfa', onB.Session, code)]);
        assert.equal(successes(results), 1, `round ${round}: ${results.map((r) => r.status === 'rejected' ? (r.reason as Error).name : 'ok').join(', ')}`);
        const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        assert.equal((refused.reason as Error).name, 'CodeMismatchException');
      }
      t.diagnostic('5 rounds, one success each');
    });

    it('one challenge Session answered on A and B at the same instant signs in exactly once', async (t) => {
      const refusals = new Map<string, number>();
      for (let round = 0; round < 8; round++) {
        // Two different valid codes (this step and the next), so the TOTP's own single use does
        // not always decide: whenever A's code is checked first, B's later step passes too and
        // only the session's single use refuses it.
        clock.advance(60_000);
        const challenge = await signIn(A, 'mfa');
        const [now, next] = await Promise.all([totpAt(secret), totpAt(secret, clock.now() + 30_000)]);
        const results = await Promise.allSettled([answerTotp(A, 'mfa', challenge.Session, now), answerTotp(B, 'mfa', challenge.Session, next)]);
        assert.equal(successes(results), 1, `round ${round}`);
        const reason = (results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as Error);
        assert.match(`${reason.name}: ${reason.message}`, /^(CodeMismatchException|NotAuthorizedException: Invalid session)/);
        refusals.set(reason.name, (refusals.get(reason.name) ?? 0) + 1);
      }
      t.diagnostic(`the loser was refused by: ${[...refusals].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    });
  });

  it('one authorization code POSTed to A and B at the same instant is redeemed exactly once, every time', async () => {
    const web = new WebClient(A.url);
    const first = pkcePair();
    const done = await signInThroughPages(web, authorizeParams(first.challenge), 'sso');
    assert.ok(callbackParams(done.location).get('code'));
    for (let round = 0; round < 15; round++) {
      const pkce = pkcePair();
      // The browser's session on A answers at once with a new code.
      const issued = await web.get(authorizeUrl(authorizeParams(pkce.challenge)));
      const code = callbackParams(issued.location).get('code')!;
      const form = { grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: CALLBACK, code_verifier: pkce.verifier };
      const answers = await Promise.all([tokenAt(A, form), tokenAt(B, form)]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400], `round ${round}: ${JSON.stringify(answers.map((a) => a.json))}`);
      assert.equal(answers.find((a) => a.status === 400)!.json.error, 'invalid_grant');
    }
  });

  it('a key rotation on A is in B\'s JWKS after B\'s key refresh, and B\'s new tokens carry the new kid', async () => {
    const jwksOf = async (node: Instance) => (await (await fetch(`${node.url}/${POOL_ID}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const before = (await signIn(B, 'rotator')).AuthenticationResult!;
    const oldKids = (await jwksOf(B)).keys.map((k) => k.kid!).sort();
    assert.deepEqual([kidOf(before.IdToken!), kidOf(before.AccessToken!)].sort(), oldKids);

    const rotated = await A.server.services.keys.rotate(POOL_ID);
    const newKids = rotated.created.map((k) => k.kid).sort();
    assert.equal(newKids.length, 2);
    clock.advance(KEY_REFRESH_MS);

    const published = await jwksOf(B);
    assert.deepEqual(published.keys.map((k) => k.kid!).sort(), [...oldKids, ...newKids].sort());
    const after = (await signIn(B, 'rotator')).AuthenticationResult!;
    assert.deepEqual([kidOf(after.IdToken!), kidOf(after.AccessToken!)].sort(), newKids);
    // And B's JWKS verifies what A signs now, and what was signed before.
    const fromA = (await signIn(A, 'rotator')).AuthenticationResult!;
    const keys = createLocalJWKSet(published);
    for (const token of [fromA.AccessToken!, after.IdToken!, before.AccessToken!]) {
      await jwtVerify(token, keys, { algorithms: ['RS256'], currentDate: new Date(clock.now()) });
    }
  });

  it('failed sign-ins spread over A and B lock the user on both', async () => {
    const wrong = await Promise.allSettled([A, B, A, B, A, B].map((node) => signIn(node, 'locked', 'Wrong-Horse-9-Battery')));
    for (const result of wrong) {
      assert.equal(result.status, 'rejected');
      errorName('NotAuthorizedException')(result.reason);
    }
    for (const node of [A, B]) {
      await assert.rejects(signIn(node, 'locked'), errorName('NotAuthorizedException', /Password attempts exceeded/));
    }
    // Each failure counted once, whichever instance saw it.
    const storage = await existingDatabase({ DATABASE_URL: database.url }).open();
    try {
      const user = await storage.users.findByUsernameKey(POOL_ID, 'locked');
      assert.equal((await storage.lockout.get(POOL_ID, user!.id))?.failures, 6);
    } finally {
      await storage.close();
    }
  });

  it('no instance logged an error', () => {
    for (const [i, node] of nodes.entries()) {
      const errors = node.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
      assert.deepEqual(errors, [], `instance ${i}`);
    }
  });
});

describe('several instances started at once on an empty database without a config file', () => {
  it('seed the example pool once', async () => {
    const database = await createTestDatabase();
    const started: OpenPool[] = [];
    try {
      const results = await Promise.allSettled([0, 1].map(async () => {
        const server = await startOpenPool({
          env: { PORT: String(await freePort()), HOST: '127.0.0.1', DATABASE_URL: database.url, OPENPOOL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' },
          argv: [],
        });
        started.push(server);
        return server;
      }));
      assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
      const pools = await started[0]!.services.pools.list();
      assert.deepEqual(pools.map((p) => p.name), ['OpenPool Example']);
      assert.deepEqual((await started[1]!.services.pools.listClients(pools[0]!.id)).map((c) => c.name).sort(),
        ['example-confidential', 'example-machine', 'example-public-pkce']);
    } finally {
      for (const server of started) await server.close();
      await database.drop();
    }
  });
});
