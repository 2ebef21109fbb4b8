/**
 * The whole server over PostgreSQL (DATABASE_URL=postgres://…): sign-up and sign-in through the
 * AWS SDK and the hosted pages, data surviving a restart, GET /ready following the database, and
 * the startup failures a misconfigured or unreachable database must give.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CognitoIdentityProviderClient, ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { projectRoot } from '../../src/config/paths.js';
import { ConfigError } from '../../src/core/pools/apply-config.js';
import { startOpenPool } from '../../src/main.js';
import { StorageUnavailableError } from '../../src/storage/storage.js';
import { signedUpUserWithTokens, STRONG_PASSWORD, tokenRequest, uniqueEmail } from '../helpers/flows.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { sdkClient } from '../helpers/sdk.js';

const SECRET_KEY = 'an-openpool-test-master-key-of-at-least-32-chars';

async function ready(t: TestServer) {
  const res = await fetch(`${t.url}/ready`);
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body: (await res.json()) as { status: string; reason?: string } };
}

describe('OpenPool over PostgreSQL', () => {
  let database: TestDatabase;
  let t: TestServer;
  let sdk: CognitoIdentityProviderClient;
  before(async () => {
    database = await createTestDatabase();
    t = await startTestServer({ env: { DATABASE_URL: database.url, OPENPOOL_SECRET_KEY: SECRET_KEY } });
    sdk = sdkClient(t.url);
  });
  after(async () => {
    sdk?.destroy();
    await t?.close();
    await database?.drop();
  });

  it('seeds the example pool into PostgreSQL, keeps no key file, and is live and ready', async () => {
    assert.ok(t.poolId && t.clients.confidential.secret, 'the example pool and its clients are read back');
    assert.equal(existsSync(join(t.dataDir, 'openpool.key')), false, 'no key file: OPENPOOL_SECRET_KEY is the key');
    assert.equal((await fetch(`${t.url}/health`)).status, 200);
    assert.deepEqual(await ready(t), { status: 200, cacheControl: 'no-store', body: { status: 'ready' } });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const pools = await admin.query<{ id: string }>('SELECT id FROM user_pools');
      assert.deepEqual(pools.rows.map((r) => r.id), [t.poolId]);
    } finally {
      await admin.end();
    }
  });

  it('signs up and in through the AWS SDK, and through the hosted pages with the code flow, refresh included', async () => {
    const email = uniqueEmail('pg-sdk');
    const before = t.mail.messages.length;
    const signUp = await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: await t.mail.codeFor(email, { after: before }) }));
    const auth = await sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD },
    }));
    assert.equal(decodeJwt(auth.AuthenticationResult!.IdToken!).sub, signUp.UserSub);

    const { tokens } = await signedUpUserWithTokens(t);
    assert.equal(decodeJwt(tokens.id_token).token_use, 'id');
    const refreshed = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: tokens.refresh_token });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
    const info = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` } });
    assert.equal(info.status, 200);
  });

  it('after a restart the same users sign in and the sealed client secret still opens', async () => {
    const email = uniqueEmail('pg-restart');
    const before = t.mail.messages.length;
    await sdk.send(new SignUpCommand({ ClientId: t.clients.public.id, Username: email, Password: STRONG_PASSWORD }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: t.clients.public.id, Username: email, ConfirmationCode: await t.mail.codeFor(email, { after: before }) }));
    await t.restart();
    const auth = await sdk.send(new InitiateAuthCommand({
      ClientId: t.clients.public.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD },
    }));
    assert.ok(auth.AuthenticationResult?.AccessToken);
    const machine = await tokenRequest(t, { grant_type: 'client_credentials' }, t.clients.machine);
    assert.equal(machine.status, 200, JSON.stringify(machine.json));
  });

  it('/ready answers 503 with the reason while a migration is missing or the database refuses connections, and 200 again after', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const last = await admin.query<{ version: number; name: string; applied_at: number }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1');
      const row = last.rows[0]!;
      await admin.query('DELETE FROM schema_migrations WHERE version = $1', [row.version]);
      const missing = await ready(t);
      assert.equal(missing.status, 503);
      assert.equal(missing.body.status, 'not ready');
      assert.match(missing.body.reason ?? '', new RegExp(`migrations not applied: 0*${row.version}_${row.name}`));
      await admin.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [row.version, row.name, row.applied_at]);
      assert.equal((await ready(t)).status, 200);
    } finally {
      await admin.end();
    }

    // Refuse new connections and end the server's open ones: the database is "down" for OpenPool.
    const outside = new pg.Client({ connectionString: ADMIN_URL });
    await outside.connect();
    try {
      await outside.query(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await outside.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
      const down = await ready(t);
      assert.equal(down.status, 503);
      assert.match(down.body.reason ?? '', /^database unavailable/);
      assert.doesNotMatch(down.body.reason ?? '', /127\.0\.0\.1|postgres:/, 'no host or URL in a public answer');
    } finally {
      await outside.query(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await outside.end();
    }
    assert.deepEqual((await ready(t)).body, { status: 'ready' });
  });
});

describe('OpenPool over PostgreSQL: startup failures', () => {
  it('without OPENPOOL_SECRET_KEY, startup stops and says the key is required', async () => {
    await assert.rejects(
      startOpenPool({ env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/openpool', PORT: String(await freePort()), LOG_LEVEL: 'silent' }, argv: [] }),
      (error: unknown) => error instanceof ConfigError && /OPENPOOL_SECRET_KEY: is required with a PostgreSQL DATABASE_URL/.test(error.message),
    );
  });

  it('an unreachable PostgreSQL is retried for DATABASE_CONNECT_TIMEOUT_SECONDS, then startup fails with the reason', async () => {
    const started = Date.now();
    await assert.rejects(
      startOpenPool({
        env: {
          DATABASE_URL: 'postgres://postgres:not-logged@127.0.0.1:1/openpool', DATABASE_CONNECT_TIMEOUT_SECONDS: '1',
          OPENPOOL_SECRET_KEY: SECRET_KEY, PORT: String(await freePort()), LOG_LEVEL: 'silent',
        },
        argv: [],
      }),
      (error: unknown) => error instanceof StorageUnavailableError && /127\.0\.0\.1:1\/openpool did not answer within 1 s/.test(error.message),
    );
    // Generous: the point is that it gives up at all (a loaded CI machine is slow to start servers).
    assert.ok(Date.now() - started < 20_000);
  });

  it('the CLI exits non-zero with one clear line, after logging its retries, never the password', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist/src/cli.js')], {
      env: {
        ...process.env, PORT: String(await freePort()), LOG_LEVEL: 'info', CONFIG: '',
        DATABASE_URL: 'postgres://postgres:not-logged@127.0.0.1:1/openpool', DATABASE_CONNECT_TIMEOUT_SECONDS: '1', OPENPOOL_SECRET_KEY: SECRET_KEY,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /^OpenPool did not start: PostgreSQL at 127\.0\.0\.1:1\/openpool did not answer within 1 s \(\d+ attempts\): .*ECONNREFUSED/m);
    assert.doesNotMatch(stderr, /\n\s+at /, 'a reason, not a stack trace');
    assert.match(stdout, /PostgreSQL is not reachable yet; retrying/);
    assert.doesNotMatch(stdout + stderr, /not-logged/);
  });
});
