/** Conformance: SRP verifiers and sign-in failure counters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedUser, T0 } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

export function securityConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: SRP verifiers`, () => {
    it('stores one verifier per user and replaces it', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        assert.equal(await s.srpVerifiers.get(pool.id, user.id), undefined);
        await s.srpVerifiers.put({ poolId: pool.id, userId: user.id, salt: 'aa', verifierSealed: 'v1', updatedAt: T0 });
        await s.srpVerifiers.put({ poolId: pool.id, userId: user.id, salt: 'bb', verifierSealed: 'v2', updatedAt: T0 + 1 });
        assert.deepEqual(await s.srpVerifiers.get(pool.id, user.id), { poolId: pool.id, userId: user.id, salt: 'bb', verifierSealed: 'v2', updatedAt: T0 + 1 });
        assert.equal(await s.srpVerifiers.get('us-east-1_Other', user.id), undefined, 'scoped by pool');
      });
    });
  });

  describe(`${name}: code sends`, () => {
    it('counts sends per user and purpose within a window, and starts a new window after it', async () => {
      await withStorage(async (s) => {
        const { user } = await seedUser(s);
        const counts = await Promise.all(Array.from({ length: 5 }, () => s.codes.countSend(user.id, 'signup', T0, 3600_000)));
        assert.deepEqual([...counts].sort(), [1, 2, 3, 4, 5], 'atomic under concurrency');
        assert.equal(await s.codes.countSend(user.id, 'forgot_password', T0, 3600_000), 1, 'per purpose');
        assert.equal(await s.codes.countSend(user.id, 'signup', T0 + 3599_999, 3600_000), 6);
        assert.equal(await s.codes.countSend(user.id, 'signup', T0 + 3600_000, 3600_000), 1, 'a new hour');
      });
    });
  });

  describe(`${name}: sign-in failures`, () => {
    it('records failures atomically from the current record, and clears them', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const bump = () => s.lockout.recordFailure(pool.id, user.id, (current) => ({
          poolId: pool.id, userId: user.id, failures: (current?.failures ?? 0) + 1, lastFailureAt: T0, lockedUntil: 0,
        }));
        await Promise.all(Array.from({ length: 10 }, bump));
        assert.equal((await s.lockout.get(pool.id, user.id))?.failures, 10, 'no lost updates under concurrency');
        await s.lockout.clear(pool.id, user.id);
        assert.equal(await s.lockout.get(pool.id, user.id), undefined);
      });
    });
  });
}
