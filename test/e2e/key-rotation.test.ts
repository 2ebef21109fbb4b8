/**
 * Signing-key rotation end to end: the real `openpool keys` CLI as a child process against the
 * database of a running server, a second instance on the same database, and jose (not our signer)
 * verifying tokens against the published JWKS. Time moves with the servers' manual clock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { projectRoot } from '../../src/config/paths.js';
import { KEY_REFRESH_MS } from '../../src/infra/jose-signer.js';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { signedUpUserWithTokens, tokenRequest } from '../helpers/flows.js';
import { freePort, manualClock, startTestServer, type TestServer } from '../helpers/server.js';

const CLI = join(projectRoot, 'dist/src/cli.js');

interface CliRun { code: number | null; stdout: string; stderr: string }

/**
 * The CLI as an operator runs it, with the server's DATABASE_URL and its master key: the key file
 * beside a SQLite database (so the secret is unset), OPENPOOL_SECRET_KEY on PostgreSQL.
 */
function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, OPENPOOL_SECRET_KEY: '', LOG_LEVEL: 'warn', CONFIG: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

describe('signing-key rotation through the openpool CLI', () => {
  const clock = manualClock();
  let t: TestServer;
  let dbEnv: Record<string, string>;
  let second: OpenPool | undefined;

  before(async () => {
    t = await startTestServer({ clock });
    dbEnv = t.database.env;
  });
  after(async () => {
    await second?.close();
    await t.close();
  });

  async function jwks() {
    const res = await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    return { etag: res.headers.get('etag')!, body: (await res.json()) as JSONWebKeySet };
  }
  const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid!).sort();
  const verifyWith = (set: JSONWebKeySet, token: string) =>
    jwtVerify(token, createLocalJWKSet(set), { issuer: t.issuer, algorithms: ['RS256'], currentDate: new Date(clock.now()) });
  const machineToken = async (url = t.url) => {
    const res = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${t.clients.machine.id}:${t.clients.machine.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const activeKid = async (purpose: 'id' | 'access') =>
    (await t.server.services.keys.list(t.poolId)).find((k) => k.purpose === purpose && k.status === 'active')!.kid;

  let oldKids: string[] = [];

  it('rotates with `keys rotate`: new tokens carry the new kids, old tokens still verify, the JWKS lists both and its ETag changes', async () => {
    const { tokens } = await signedUpUserWithTokens(t);
    const before = await jwks();
    oldKids = kids(before.body);
    assert.equal(oldKids.length, 2);
    assert.deepEqual([kidOf(tokens.id_token), kidOf(tokens.access_token)].sort(), oldKids);

    const rotated = await runCli(['keys', 'rotate', '--pool', t.poolId], dbEnv);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newId = await activeKid('id');
    const newAccess = await activeKid('access');
    assert.ok(!oldKids.includes(newId) && !oldKids.includes(newAccess));
    for (const kid of [newId, newAccess, ...oldKids]) assert.ok(rotated.stdout.includes(kid), `the output names ${kid}`);
    assert.match(rotated.stdout, /published until \d{4}-\d\d-\d\dT/);
    assert.equal(rotated.stderr, '');

    clock.advance(10_000);
    const refreshed = await tokenRequest(t, { grant_type: 'refresh_token', client_id: t.clients.public.id, refresh_token: tokens.refresh_token });
    assert.equal(refreshed.status, 200);
    const fresh = refreshed.json as { id_token: string; access_token: string };
    assert.equal(kidOf(fresh.id_token), newId);
    assert.equal(kidOf(fresh.access_token), newAccess);
    assert.equal(kidOf(await machineToken()), newAccess);

    const afterRotation = await jwks();
    assert.deepEqual(kids(afterRotation.body), [...oldKids, newId, newAccess].sort());
    assert.notEqual(afterRotation.etag, before.etag);
    const revalidated = await fetch(`${t.url}/${t.poolId}/.well-known/jwks.json`, { headers: { 'if-none-match': before.etag } });
    assert.equal(revalidated.status, 200, 'a cached copy from before the rotation is stale');
    for (const token of [tokens.id_token, tokens.access_token, fresh.id_token, fresh.access_token]) {
      assert.equal((await verifyWith(afterRotation.body, token)).payload.iss, t.issuer);
    }
    const userInfo = await fetch(`${t.url}/oauth2/userInfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userInfo.status, 200, 'the server itself still accepts the old access token');
  });

  it('drops the old kids from the JWKS once every token they signed has expired', async () => {
    const retired = (await t.server.services.keys.list(t.poolId)).filter((k) => k.status === 'retired');
    assert.deepEqual(retired.map((k) => k.kid).sort(), oldKids);
    const publishUntil = Math.max(...retired.map((k) => k.publishUntil!));
    // The example clients' tokens live an hour; the window adds five minutes of skew.
    assert.ok(publishUntil - clock.now() > 60 * 60_000 && publishUntil - clock.now() < 66 * 60_000);

    const stillThere = await jwks();
    clock.advance(publishUntil - clock.now() - 1);
    assert.deepEqual(kids((await jwks()).body), kids(stillThere.body), 'published up to the last millisecond');
    // Gone at the signer's next refresh, at most 10 s later.
    clock.advance(KEY_REFRESH_MS);
    const later = await jwks();
    assert.deepEqual(kids(later.body), [await activeKid('access'), await activeKid('id')].sort());
    assert.notEqual(later.etag, stillThere.etag);
  });

  it('a second instance on the same database signs with a key rotated after it started, within its refresh period', async () => {
    const port = await freePort();
    second = await startOpenPool({
      // Instances behind one address share PUBLIC_URL, hence the issuer.
      env: { ...dbEnv, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: t.url, LOG_LEVEL: 'silent' },
      argv: [],
      clock,
      logDestination: new Writable({ write: (_chunk, _enc, cb) => cb() }),
    });
    const secondUrl = `http://localhost:${port}`;
    const before = await activeKid('access');
    assert.equal(kidOf(await machineToken(secondUrl)), before);

    const rotated = await runCli(['keys', 'rotate', '--pool', t.poolId, '--purpose', 'access'], dbEnv);
    assert.equal(rotated.code, 0, rotated.stderr);
    const rotatedKid = await activeKid('access');
    assert.notEqual(rotatedKid, before);
    assert.ok(rotated.stdout.includes(rotatedKid));

    clock.advance(10_000);
    const fromSecond = await machineToken(secondUrl);
    assert.equal(kidOf(fromSecond), rotatedKid);
    assert.equal(kidOf(await machineToken()), rotatedKid, 'and so does the first');
    // Either instance's JWKS verifies what the other signed.
    assert.equal((await verifyWith((await jwks()).body, fromSecond)).payload.client_id, t.clients.machine.id);

    const listed = await runCli(['keys', 'list', '--pool', t.poolId], dbEnv);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`access\\s+active\\s+${rotatedKid}`));
    assert.match(listed.stdout, new RegExp(`access\\s+retired\\s+${before}\\s+\\S+\\s+published until`));
  });

  it('CLI errors: unknown pool exits 1, bad usage exits 2 with the usage, a missing database exits 1 and creates nothing', async () => {
    const [unknown, noPool, badVerb, badPurpose, noDatabase] = await Promise.all([
      runCli(['keys', 'rotate', '--pool', 'us-east-1_Nope0000'], dbEnv),
      runCli(['keys', 'rotate'], dbEnv),
      runCli(['keys', 'spin', '--pool', t.poolId], dbEnv),
      runCli(['keys', 'rotate', '--pool', t.poolId, '--purpose', 'refresh'], dbEnv),
      runCli(['keys', 'list', '--pool', t.poolId], { DATABASE_URL: `sqlite:${join(t.dataDir, 'elsewhere', 'none.db')}` }),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /User pool us-east-1_Nope0000 does not exist/);
    for (const run of [noPool, badVerb, badPurpose]) {
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Usage:\n\s+openpool \[serve\]/);
      assert.equal(run.stdout, '');
    }
    assert.match(noPool.stderr, /--pool is required/);
    assert.match(badVerb.stderr, /unknown keys command: spin/);
    assert.match(badPurpose.stderr, /--purpose must be one of id, access/);
    assert.equal(noDatabase.code, 1);
    assert.match(noDatabase.stderr, /no OpenPool database at .*none\.db/);
    assert.ok(!existsSync(join(t.dataDir, 'elsewhere')), 'no database or key file was made');
  });
});
