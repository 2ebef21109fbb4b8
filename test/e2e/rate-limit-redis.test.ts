/**
 * Two OpenPool instances, each on a SQLite database of its own, count rate limits in one Redis
 * (REDIS_URL) (as an instance on PostgreSQL does, leaving its rate_limits table alone): requests split across them spend one budget, Redis holds digests and never the
 * address, windows end on the servers' clock, a Redis that goes away lets requests through (logged)
 * and counting resumes when it is back, and startup gives up on an unreachable Redis within the
 * bound, naming it. The Redis is a real redis-server of the test's own, with a password, so that
 * the logs can be checked for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { StorageUnavailableError } from '../../src/storage/storage.js';
import { TEST_SECRET_KEY } from '../helpers/backend.js';
import { assertApiRefused, assertTokenRefused, assertWindowEndsAfterAMinute, clientCredentialsRequest, unknownUserSignIn } from '../helpers/rate-limit.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { freePort, manualClock, startTestServer, type TestServer } from '../helpers/server.js';

const BUDGET = 6;
const REDIS_PASSWORD = 'redis-password-that-must-never-be-logged';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits shared by two SQLite instances through Redis (REDIS_URL)', () => {
  let redis: TestRedis;
  let inspect: Redis;
  const clock = manualClock();
  let a: TestServer;
  let b: TestServer;

  const start = () => startTestServer({
    backend: 'sqlite',
    clock,
    // One master key: it keys the digests the counters are stored under, so the instances must share it.
    env: { REDIS_URL: redis.url, OPENPOOL_SECRET_KEY: TEST_SECRET_KEY, RATE_LIMIT_PER_MINUTE: String(BUDGET) },
  });

  before(async () => {
    redis = await startTestRedis({ password: REDIS_PASSWORD });
    inspect = redis.client();
    a = await start();
    b = await start();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  // Each instance has its own example pool (own database): each is called with its own machine client.
  const token = (t: TestServer) => clientCredentialsRequest(t.server.address, t.clients.machine);
  const initiateAuth = (t: TestServer) => unknownUserSignIn(t.server.address, t.clients.public.id);
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await inspect.scan(cursor, 'COUNT', 100);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  /** Spends the whole budget alternating A and B (3 each), every request seeing the other's count. */
  const spendBudget = async () => {
    for (let i = 0; i < BUDGET; i++) {
      const res = await token(i % 2 === 0 ? a : b);
      assert.equal(res.status, 200, `request ${i + 1}: ${await res.text()}`);
      assert.equal(res.headers.get('x-ratelimit-remaining'), String(BUDGET - i - 1), `request ${i + 1} sees the other instance's count`);
    }
  };

  it('requests split across both instances spend one budget; past it both refuse, in each surface\'s own way', async () => {
    await spendBudget();
    for (const t of [a, b]) await assertTokenRefused(await token(t));
    await assertApiRefused(await initiateAuth(a));
  });

  it('keeps one counter per address in Redis, under a digest, never the address itself', async () => {
    const all = await keys();
    assert.equal(all.length, 1, all.join(', '));
    const [key] = all;
    assert.ok(!key!.includes('127.0.0.1'), key);
    assert.match(key!, /^openpool:rl:[\w-]{43}$/, 'an HMAC-SHA256 digest (base64url) under the openpool prefix');
    const fields = await inspect.hgetall(key!);
    assert.equal(fields.hits, String(BUDGET + 3), 'refused requests count too');
    assert.ok(!Object.values(fields).some((v) => v.includes('127.0.0.1')));
    const ttl = await inspect.pttl(key!);
    assert.ok(ttl > 0 && ttl <= 60_000, `expires with its window (PTTL ${ttl})`);
  });

  it('the window ends a minute after its first request on the servers\' clock, on both instances', async () => {
    await assertWindowEndsAfterAMinute(clock, () => token(a), () => token(b));
    const [key] = await keys();
    assert.equal(await inspect.hget(key!, 'hits'), '2');
  });

  it('when Redis goes away requests pass (logged, without waiting on Redis), and counting resumes when it is back', async () => {
    for (let i = 0; i < BUDGET; i++) await token(a);
    assert.equal((await token(a)).status, 429);

    await redis.kill();
    for (const t of [a, b]) {
      for (let i = 0; i <= BUDGET; i++) {
        const started = Date.now();
        const res = await token(t);
        assert.equal(res.status, 200, `request ${i + 1} with Redis down: ${await res.text()}`);
        assert.ok(Date.now() - started < 2_000, 'a Redis call fails fast instead of holding the request');
      }
      assert.ok(t.logs.some((line) => /rate-limit counters are unavailable/.test(line)), 'the failure is logged');
    }

    await redis.start();
    for (const t of [a, b]) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await token(t);
        if (res.headers.get('x-ratelimit-remaining') !== String(BUDGET)) break;
        assert.ok(Date.now() < deadline, 'counting resumed within 15 s of Redis coming back');
        await sleep(100);
      }
      assert.ok(t.logs.some((line) => /reconnected to Redis/.test(line)), 'the reconnection is logged');
    }
    await inspect.flushdb();
    await spendBudget();
    assert.equal((await token(b)).status, 429, 'limited again');
  });

  it('never writes the Redis password to the log', () => {
    const lines = [...a.logs, ...b.logs];
    assert.ok(lines.some((line) => line.includes(`127.0.0.1:${redis.port}`)), 'Redis is named in the log');
    assert.ok(!lines.some((line) => line.includes(REDIS_PASSWORD)));
  });
});

describe('REDIS_URL on the PostgreSQL backend', () => {
  let redis: TestRedis;
  let t: TestServer;
  before(async () => {
    redis = await startTestRedis();
    t = await startTestServer({ backend: 'postgres', env: { REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: String(BUDGET) } });
  });
  after(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('counts in Redis, not in the rate_limits table', async () => {
    const token = () => clientCredentialsRequest(t.server.address, t.clients.machine);
    for (let i = 0; i < BUDGET; i++) assert.equal((await token()).status, 200);
    assert.equal((await token()).status, 429);
    const inspect = redis.client();
    const keys = await inspect.keys('openpool:rl:*');
    assert.equal(keys.length, 1);
    assert.equal(await inspect.hget(keys[0]!, 'hits'), String(BUDGET + 1));
    const db = new pg.Client({ connectionString: t.database.env.DATABASE_URL });
    db.on('error', () => {});
    await db.connect();
    try {
      assert.equal((await db.query('SELECT count(*)::int AS n FROM rate_limits')).rows[0].n, 0);
    } finally {
      await db.end();
    }
  });
});

describe('REDIS_URL at startup', () => {
  it('an unreachable Redis stops startup within DATABASE_CONNECT_TIMEOUT_SECONDS, with an error naming Redis and not its password', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(
      startTestServer({ backend: 'sqlite', env: { REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${port}/0`, DATABASE_CONNECT_TIMEOUT_SECONDS: '1' } }),
      (error: unknown) => {
        assert.ok(error instanceof StorageUnavailableError, String(error));
        assert.match(error.message, new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${port}/0 \\(REDIS_URL\\) did not answer within 1 s \\(\\d+ attempts\\): .*ECONNREFUSED`));
        assert.ok(!error.message.includes(REDIS_PASSWORD));
        return true;
      });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5_000, `gave up after ${elapsed} ms`);
  });

  it('a wrong Redis password stops startup at once, without waiting out the timeout or printing the password', async () => {
    const redis = await startTestRedis({ password: REDIS_PASSWORD });
    try {
      const wrong = 'a-wrong-redis-password';
      const started = Date.now();
      await assert.rejects(
        startTestServer({ backend: 'sqlite', env: { REDIS_URL: `redis://:${wrong}@127.0.0.1:${redis.port}/0`, DATABASE_CONNECT_TIMEOUT_SECONDS: '30' } }),
        (error: unknown) => {
          assert.ok(error instanceof StorageUnavailableError, String(error));
          assert.match(error.message, new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(REDIS_URL\\) refused OpenPool: WRONGPASS`));
          assert.ok(!error.message.includes(wrong));
          return true;
        });
      assert.ok(Date.now() - started < 5_000, 'not retried for 30 s');
    } finally {
      await redis.stop();
    }
  });
});
