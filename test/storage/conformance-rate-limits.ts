/** Conformance: the shared rate-limit counters (fixed windows per key). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T0 } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

const MINUTE = 60_000;

export function rateLimitConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: rate-limit counters`, () => {
    it('counts hits per key atomically within a window that ends windowMs after its first hit', async () => {
      await withStorage(async (s) => {
        const hits = await Promise.all(Array.from({ length: 10 }, () => s.rateLimits.hit('key-a', MINUTE, T0)));
        assert.deepEqual(hits.map((h) => h.count).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'no lost updates under concurrency');
        assert.ok(hits.every((h) => h.resetAt === T0 + MINUTE), 'one window for all of them');
        assert.deepEqual(await s.rateLimits.hit('key-b', MINUTE, T0 + 5), { count: 1, resetAt: T0 + 5 + MINUTE }, 'per key');
        assert.deepEqual(await s.rateLimits.hit('key-a', MINUTE, T0 + MINUTE - 1), { count: 11, resetAt: T0 + MINUTE }, 'later hits do not move the end');
      });
    });

    it('starts a new window at the first hit at or after the end', async () => {
      await withStorage(async (s) => {
        await s.rateLimits.hit('key-a', MINUTE, T0);
        await s.rateLimits.hit('key-a', MINUTE, T0 + 10);
        assert.deepEqual(await s.rateLimits.hit('key-a', MINUTE, T0 + MINUTE), { count: 1, resetAt: T0 + 2 * MINUTE });
        assert.deepEqual(await s.rateLimits.hit('key-a', 1_000, T0 + 5 * MINUTE), { count: 1, resetAt: T0 + 5 * MINUTE + 1_000 }, 'the new window takes the length it is given');
      });
    });

    it('deletes only the counters whose window has ended', async () => {
      await withStorage(async (s) => {
        await s.rateLimits.hit('ended', 1_000, T0);
        await s.rateLimits.hit('ends-now', 2_000, T0);
        await s.rateLimits.hit('running', MINUTE, T0);
        assert.equal(await s.rateLimits.deleteExpired(T0 + 2_000), 2);
        assert.equal(await s.rateLimits.deleteExpired(T0 + 2_000), 0);
        assert.equal((await s.rateLimits.hit('running', MINUTE, T0 + 2_000)).count, 2, 'a running window keeps its count');
        assert.deepEqual(await s.rateLimits.hit('ended', 1_000, T0 + 2_000), { count: 1, resetAt: T0 + 3_000 });
      });
    });
  });
}
