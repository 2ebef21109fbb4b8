/**
 * Two OpenPool instances on two ports over one PostgreSQL database enforce one rate-limit budget
 * per client address: requests split across them add up, the window resets on the servers' clock,
 * the table never holds the address, and an unusable counter table lets requests through (logged)
 * rather than failing them.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { assertApiRefused, assertTokenRefused, assertWindowEndsAfterAMinute, clientCredentialsRequest, unknownUserSignIn } from '../helpers/rate-limit.js';
import { freePort, manualClock } from '../helpers/server.js';

const SECRET_KEY = 'an-openpool-test-master-key-of-at-least-32-chars';
const BUDGET = 4;

interface Instance { server: OpenPool; url: string; logs: string[] }

async function startInstance(databaseUrl: string, clock: ReturnType<typeof manualClock>): Promise<Instance> {
  const port = await freePort();
  const logs: string[] = [];
  const server = await startOpenPool({
    env: {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, OPENPOOL_SECRET_KEY: SECRET_KEY,
      RATE_LIMIT_PER_MINUTE: String(BUDGET), LOG_LEVEL: 'warn',
    },
    argv: [],
    clock,
    logDestination: new Writable({ write(chunk, _enc, cb) { logs.push(chunk.toString()); cb(); } }),
  });
  return { server, url: `http://127.0.0.1:${port}`, logs };
}

describe('rate limits shared by two instances over one PostgreSQL database', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  const clock = manualClock();
  let a: Instance;
  let b: Instance;
  let machine: { id: string; secret: string };
  let publicClientId: string;

  before(async () => {
    database = await createTestDatabase();
    // One after the other: the first seeds the example pool, the second finds it.
    a = await startInstance(database.url, clock);
    b = await startInstance(database.url, clock);
    const [pool] = await a.server.services.pools.list();
    const clients = await Promise.all((await a.server.services.pools.listClients(pool!.id)).map(async (c) => (await a.server.services.pools.findClient(c.id))!.client));
    const byName = (name: string) => clients.find((c) => c.name === name)!;
    machine = { id: byName('example-machine').id, secret: byName('example-machine').secret! };
    publicClientId = byName('example-public-pkce').id;
    admin = new pg.Client({ connectionString: database.url });
    admin.on('error', () => {});
    await admin.connect();
  });
  after(async () => {
    await admin?.end().catch(() => {});
    await a?.server.close();
    await b?.server.close();
    await database?.drop();
  });

  const token = (instance: Instance) => clientCredentialsRequest(instance.url, machine);
  const initiateAuth = (instance: Instance) => unknownUserSignIn(instance.url, publicClientId);

  it('requests split across both instances spend one budget; past it both refuse, in each surface\'s own way', async () => {
    for (const [i, instance] of [a, b, a, b].entries()) {
      const res = await token(instance);
      assert.equal(res.status, 200, `request ${i + 1}: ${await res.text()}`);
      assert.equal(res.headers.get('x-ratelimit-remaining'), String(BUDGET - i - 1), `request ${i + 1} sees the other instance's count`);
    }
    for (const instance of [a, b]) await assertTokenRefused(await token(instance));
    await assertApiRefused(await initiateAuth(b));
  });

  it('keeps one row per address, keyed by a digest, never the address itself', async () => {
    const rows = await admin.query<{ key: string; hits: number }>('SELECT key, hits FROM rate_limits');
    assert.equal(rows.rows.length, 1);
    assert.equal(rows.rows[0]!.hits, BUDGET + 3, 'refused requests count too');
    assert.doesNotMatch(rows.rows[0]!.key, /127\.0\.0\.1|::1|ffff/);
    assert.match(rows.rows[0]!.key, /^[\w-]{43}$/, 'an HMAC-SHA256 digest (base64url)');
  });

  it('the window ends a minute after its first request on the servers\' clock, on both instances', async () => {
    await assertWindowEndsAfterAMinute(clock, () => token(a), () => token(b));
    const rows = await admin.query<{ hits: number }>('SELECT hits FROM rate_limits');
    assert.deepEqual(rows.rows.map((r) => r.hits), [2]);
  });

  it('counters that cannot be read let requests through with a warning instead of failing them', async () => {
    for (let i = 0; i < BUDGET; i++) await token(a);
    assert.equal((await token(a)).status, 429);
    await admin.query('ALTER TABLE rate_limits RENAME TO rate_limits_away');
    try {
      const res = await token(a);
      assert.equal(res.status, 200, await res.text());
      assert.equal((await token(b)).status, 200);
      assert.ok(a.logs.some((line) => /rate-limit counters are unavailable/.test(line)), 'the failure is logged');
    } finally {
      await admin.query('ALTER TABLE rate_limits_away RENAME TO rate_limits');
    }
    assert.equal((await token(b)).status, 429, 'limited again once the counters answer');
  });
});
