/**
 * The Redis rate-limit store against a real redis-server: the same fixed windows as the PostgreSQL
 * table, atomic when several connections (instances) hit one key at once, expiring by itself.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisRateLimitStore, REDIS_RATE_LIMIT_PREFIX } from '../../src/infra/redis-rate-limit-store.js';
import type { RateLimitStore } from '../../src/storage/storage.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Redis rate-limit store', () => {
  let redis: TestRedis;
  /** Four connections, as four instances would have. */
  let clients: Redis[];
  let stores: RateLimitStore[];
  let inspect: Redis;

  before(async () => {
    redis = await startTestRedis();
    clients = Array.from({ length: 4 }, () => redis.client());
    stores = clients.map((c) => createRedisRateLimitStore(c));
    inspect = redis.client();
  });
  after(async () => redis?.stop());
  beforeEach(async () => {
    await inspect.flushdb();
  });

  it('200 concurrent hits on one key over four connections count 1..200, each exactly once, in one window', async () => {
    const hits = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % stores.length]!.hit('key-a', MINUTE, T0 + (i % 7))));
    assert.deepEqual(hits.map((h) => h.count).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
    assert.equal(new Set(hits.map((h) => h.resetAt)).size, 1, 'one window for all of them');
    assert.equal(await inspect.hget(`${REDIS_RATE_LIMIT_PREFIX}key-a`, 'hits'), '200');
  });

  it('counts per key in a window that ends windowMs after its first hit; later hits do not move the end', async () => {
    const [a, b] = stores;
    assert.deepEqual(await a!.hit('key-a', MINUTE, T0), { count: 1, resetAt: T0 + MINUTE });
    assert.deepEqual(await b!.hit('key-a', MINUTE, T0 + 10), { count: 2, resetAt: T0 + MINUTE });
    assert.deepEqual(await b!.hit('key-b', MINUTE, T0 + 5), { count: 1, resetAt: T0 + 5 + MINUTE }, 'per key');
    assert.deepEqual(await a!.hit('key-a', MINUTE, T0 + MINUTE - 1), { count: 3, resetAt: T0 + MINUTE });
  });

  it('starts a new window at the first hit at or after the end, of the length it is given', async () => {
    const [a] = stores;
    await a!.hit('key-a', MINUTE, T0);
    await a!.hit('key-a', MINUTE, T0 + 10);
    assert.deepEqual(await a!.hit('key-a', MINUTE, T0 + MINUTE), { count: 1, resetAt: T0 + 2 * MINUTE });
    assert.deepEqual(await a!.hit('key-a', 1_000, T0 + 5 * MINUTE), { count: 1, resetAt: T0 + 5 * MINUTE + 1_000 });
  });

  it('keeps each counter under openpool:rl:<key> with a TTL to the end of its window, so Redis drops ended windows itself', async () => {
    const [a] = stores;
    await a!.hit('key-a', MINUTE, T0);
    await a!.hit('key-a', MINUTE, T0 + 20_000);
    assert.deepEqual(await inspect.keys('*'), [`${REDIS_RATE_LIMIT_PREFIX}key-a`]);
    const ttl = await inspect.pttl(`${REDIS_RATE_LIMIT_PREFIX}key-a`);
    assert.ok(ttl > 39_000 && ttl <= 40_000, `PTTL ${ttl}: the rest of the window after the last hit's time`);

    // A window of real time: gone from Redis once it has ended, with nothing deleting it.
    await a!.hit('short', 150, Date.now());
    assert.equal(await inspect.exists(`${REDIS_RATE_LIMIT_PREFIX}short`), 1);
    await sleep(300);
    assert.equal(await inspect.exists(`${REDIS_RATE_LIMIT_PREFIX}short`), 0);
    assert.equal(await a!.deleteExpired(Date.now()), 0, 'nothing left to delete');
  });

  it('keeps counting after Redis has lost its script cache (as after a restart)', async () => {
    const [a] = stores;
    await a!.hit('key-a', MINUTE, T0);
    await inspect.script('FLUSH');
    assert.deepEqual(await a!.hit('key-a', MINUTE, T0 + 1), { count: 2, resetAt: T0 + MINUTE });
  });
});
