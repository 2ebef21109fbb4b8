/**
 * `openpool migrate-data` moves a team from SQLite to PostgreSQL without losing users: a user
 * made on SQLite (password, SRP verifier, TOTP MFA, a refresh token) signs in on PostgreSQL after
 * the real CLI copied the database, with the same keys in the JWKS. And the refusals: a target
 * that holds data, databases at other migrations, a key that cannot open the data, bad usage.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AssociateSoftwareTokenCommand, ConfirmSignUpCommand, InitiateAuthCommand, RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand, SetUserPoolMfaConfigCommand, SignUpCommand, VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import pg from 'pg';
import { projectRoot } from '../../src/config/paths.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/flows.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { manualClock, startTestServer, type TestServer } from '../helpers/server.js';
import { sdkClient } from '../helpers/sdk.js';

const require = createRequire(import.meta.url);
const Cognito = require('amazon-cognito-identity-js') as typeof import('amazon-cognito-identity-js');

interface CliRun { code: number | null; stdout: string; stderr: string }

/** The real command line, as an operator runs it; OPENPOOL_SECRET_KEY only when given. */
function cli(args: string[], secretKey?: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENPOOL_SECRET_KEY;
  delete env.DATABASE_URL;
  if (secretKey !== undefined) env.OPENPOOL_SECRET_KEY = secretKey;
  const child = spawn(process.execPath, [join(projectRoot, 'dist/src/cli.js'), ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  } finally {
    await client.end();
  }
}

const kidsOf = async (t: TestServer) =>
  ((await (await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();

describe('openpool migrate-data: SQLite to PostgreSQL', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'openpool-migrate-'));
  const clock = manualClock();
  let sqlite: TestServer;
  let sqliteFile: string;
  let keyFileContent: string;
  let database: TestDatabase;
  let postgres: TestServer | undefined;
  const email = uniqueEmail('migrated');
  let totpSecret = '';
  let refreshToken = '';
  let sub = '';
  let kids: string[] = [];
  let migrated: CliRun;
  const totpAt = (ms: number) => generate({ secret: totpSecret, epoch: Math.floor(ms / 1000) });

  before(async () => {
    database = await createTestDatabase();
    // No OPENPOOL_SECRET_KEY: the SQLite server keeps its key in openpool.key, the harder case to carry over.
    sqlite = await startTestServer({ clock });
    sqliteFile = join(sqlite.dataDir, 'openpool.db');
    const sdk = sdkClient(sqlite.url);
    try {
      const clientId = sqlite.clients.public.id;
      await sdk.send(new SetUserPoolMfaConfigCommand({ UserPoolId: sqlite.poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
      const mailsBefore = sqlite.mail.messages.length;
      sub = (await sdk.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: STRONG_PASSWORD }))).UserSub!;
      await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: await sqlite.mail.codeFor(email, { after: mailsBefore }) }));
      const first = await sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));
      const accessToken = first.AuthenticationResult!.AccessToken!;
      totpSecret = (await sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }))).SecretCode!;
      await sdk.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: await totpAt(clock.now()) }));
      await sdk.send(new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
      clock.advance(30_000);
      const challenged = await sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));
      assert.equal(challenged.ChallengeName, 'SOFTWARE_TOKEN_MFA');
      const signedIn = await sdk.send(new RespondToAuthChallengeCommand({
        ClientId: clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: challenged.Session,
        ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: await totpAt(clock.now()) },
      }));
      refreshToken = signedIn.AuthenticationResult!.RefreshToken!;
      kids = await kidsOf(sqlite);
    } finally {
      sdk.destroy();
    }
    // Stopped, as the README asks, so nothing is issued on SQLite after the copy.
    await sqlite.server.close();
    keyFileContent = readFileSync(join(sqlite.dataDir, 'openpool.key'), 'utf8').trim();
    migrated = await cli(['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', database.url]);
  });
  after(async () => {
    await postgres?.close();
    await sqlite?.mail.stop();
    await sqlite?.sms.stop();
    if (sqlite) rmSync(sqlite.dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    await database?.drop();
  });

  it('copies every table in one go, prints the rows per table and how to carry the key file over without printing the key', async () => {
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /^Copied .*openpool\.db into PostgreSQL at 127\.0\.0\.1:5432\/openpool_test_\w+ \(both at migration \d{4}\)/);
    for (const [table, rows] of [['user_pools', 1], ['clients', 3], ['users', 1], ['user_mfa', 1], ['srp_verifiers', 1], ['signing_keys', 2], ['meta', 1]] as const) {
      assert.match(migrated.stdout, new RegExp(`\\n  ${table} +${rows}\\n`), `${table}: ${rows} rows`);
      assert.equal(await count(database.url, table), rows, `${table} in PostgreSQL`);
    }
    assert.ok(await count(database.url, 'refresh_tokens') >= 2 && await count(database.url, 'auth_events') >= 4, 'tokens and the audit trail came too');
    assert.match(migrated.stdout, /sealed with the key in .*openpool\.key \(checked: it opens the sealed data\)/);
    assert.match(migrated.stdout, /OPENPOOL_SECRET_KEY=base64:<the content of .*openpool\.key>/);
    assert.match(migrated.stdout, /export OPENPOOL_SECRET_KEY="base64:\$\(cat '.*openpool\.key'\)"/);
    assert.ok(!migrated.stdout.includes(keyFileContent) && !migrated.stderr.includes(keyFileContent), 'the key itself is never printed');
  });

  it('on PostgreSQL with the same key, the user signs in with password and TOTP, then with SRP and TOTP; the old refresh token refreshes; the JWKS has the same kids', async () => {
    // The servers' time moves on, so the TOTP step used on SQLite (copied with the user) is in the past.
    const later = manualClock(clock.now() + 60_000);
    postgres = await startTestServer({ env: { DATABASE_URL: database.url, OPENPOOL_SECRET_KEY: `base64:${keyFileContent}` }, clock: later });
    assert.equal(postgres.poolId, sqlite.poolId);
    assert.equal(postgres.clients.confidential.secret.length > 0, true, 'the sealed client secret opens');
    assert.deepEqual(await kidsOf(postgres), kids);

    const sdk = sdkClient(postgres.url);
    try {
      const clientId = postgres.clients.public.id;
      const challenged = await sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: STRONG_PASSWORD } }));
      assert.equal(challenged.ChallengeName, 'SOFTWARE_TOKEN_MFA', 'MFA settings came along');
      const signedIn = await sdk.send(new RespondToAuthChallengeCommand({
        ClientId: clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: challenged.Session,
        ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: await totpAt(later.now()) },
      }));
      const id = decodeJwt(signedIn.AuthenticationResult!.IdToken!);
      assert.equal(id.sub, sub);
      assert.deepEqual(id.amr, ['pwd', 'mfa', 'otp']);

      const refreshed = await sdk.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));
      assert.equal(decodeJwt(refreshed.AuthenticationResult!.AccessToken!).sub, sub, 'a refresh token issued on SQLite still works');
    } finally {
      sdk.destroy();
    }

    later.advance(30_000);
    const code = await totpAt(later.now());
    const pool = new Cognito.CognitoUserPool({ UserPoolId: postgres.poolId, ClientId: postgres.clients.public.id, endpoint: postgres.url });
    const user = new Cognito.CognitoUser({ Username: email, Pool: pool });
    const session = await new Promise<import('amazon-cognito-identity-js').CognitoUserSession>((resolve, reject) => {
      user.authenticateUser(new Cognito.AuthenticationDetails({ Username: email, Password: STRONG_PASSWORD }), {
        onSuccess: resolve,
        onFailure: reject,
        totpRequired: () => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA'),
      });
    });
    assert.equal(decodeJwt(session.getIdToken().getJwtToken()).sub, sub, 'SRP: the sealed verifier opens with the carried-over key');
  });

  it('refuses a target that already holds data, changing nothing', async () => {
    const users = await count(database.url, 'users');
    const again = await cli(['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', database.url]);
    assert.equal(again.code, 1, again.stdout);
    assert.match(again.stderr, /^openpool: PostgreSQL at 127\.0\.0\.1:5432\/\w+ already holds OpenPool data \(.*users: \d+.*\); migrate-data only fills an empty database, so nothing was copied/);
    assert.equal(await count(database.url, 'users'), users);
  });

  it('refuses databases at another migration than this OpenPool, before touching the target', async () => {
    const behind = join(scratch, 'behind.db');
    copyFileSync(sqliteFile, behind);
    const lite = new Database(behind);
    const last = lite.prepare('SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1').get() as { version: number; name: string };
    lite.prepare('DELETE FROM schema_migrations WHERE version = ?').run(last.version);
    lite.close();
    const fresh = await createTestDatabase();
    try {
      const old = await cli(['migrate-data', '--from', `sqlite:${behind}`, '--to', fresh.url]);
      assert.equal(old.code, 1);
      assert.match(old.stderr, new RegExp(`lacks ${String(last.version).padStart(4, '0')}_${last.name}\\): start this version of OpenPool on it once`));

      const ahead = join(scratch, 'ahead.db');
      copyFileSync(sqliteFile, ahead);
      const newer = new Database(ahead);
      newer.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, ?, 0)').run('from_the_future');
      newer.close();
      const future = await cli(['migrate-data', '--from', `sqlite:${ahead}`, '--to', fresh.url]);
      assert.equal(future.code, 1);
      assert.match(future.stderr, /was migrated by a newer OpenPool \(migration 9999 is unknown to this one\)/);

      const admin = new pg.Client({ connectionString: fresh.url });
      await admin.connect();
      try {
        const tables = await admin.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`);
        assert.equal(tables.rowCount, 0, 'the target was not touched');
        await admin.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        await admin.query(`INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 0)`);
      } finally {
        await admin.end();
      }
      const targetAhead = await cli(['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', fresh.url]);
      assert.equal(targetAhead.code, 1);
      assert.match(targetAhead.stderr, /PostgreSQL at .* was migrated by a newer OpenPool \(migration 9999 is unknown to this one\); nothing was copied/);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses when the master key it is given cannot open the data, since the copy would be unusable', async () => {
    const lonely = join(scratch, 'lonely');
    rmSync(lonely, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(lonely);
    copyFileSync(sqliteFile, join(lonely, 'openpool.db'));
    const wrong = await cli(['migrate-data', '--from', `sqlite:${join(lonely, 'openpool.db')}`, '--to', 'postgres://postgres@127.0.0.1:5432/never_created'],
      'not-the-key-this-database-was-sealed-with');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /OPENPOOL_SECRET_KEY \(as set for this command\) cannot open the sealed data in .*lonely\/openpool\.db: run migrate-data with the master key the server uses; nothing was copied/);
    const none = await cli(['migrate-data', '--from', `sqlite:${join(lonely, 'openpool.db')}`, '--to', 'postgres://postgres@127.0.0.1:5432/never_created']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no master key to check .* with: OPENPOOL_SECRET_KEY is not set and there is no openpool\.key beside it/);
  });

  it('bad usage exits 2 with the usage; a missing file or an unreachable server exits 1 in one line, never showing the password', async () => {
    for (const args of [
      ['migrate-data'],
      ['migrate-data', '--from', `sqlite:${sqliteFile}`],
      ['migrate-data', '--from', 'postgres://db/openpool', '--to', database.url],
      ['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', 'sqlite:/tmp/other.db'],
      ['migrate-data', '--from', 'sqlite::memory:', '--to', database.url],
      ['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', database.url, 'extra'],
    ]) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /^openpool: .*\n\nUsage:/, args.join(' '));
    }
    const missing = await cli(['migrate-data', '--from', `sqlite:${join(scratch, 'nothing-here.db')}`, '--to', database.url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^openpool: cannot open .*nothing-here\.db/);

    const unreachable = await cli(['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', 'postgres://op:s3cret-pw@127.0.0.1:1/openpool'], `base64:${keyFileContent}`);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^openpool: PostgreSQL at 127\.0\.0\.1:1\/openpool cannot be used: .*ECONNREFUSED/);
    assert.doesNotMatch(unreachable.stderr + unreachable.stdout, /s3cret/);
    assert.doesNotMatch(unreachable.stderr, /\n\s+at /, 'a reason, not a stack trace');
  });
});
