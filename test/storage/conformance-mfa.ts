/** Conformance: users' second factors, single-use TOTP steps and single-use challenge sessions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/storage/storage.js';
import { seedUser, T0 } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

export function mfaConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: MFA settings`, () => {
    it('starts empty, updates atomically from the current record, and is deleted with the user', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        assert.equal(await s.mfa.get(pool.id, user.id), undefined);
        const first = await s.mfa.update(pool.id, user.id, (m) => {
          assert.deepEqual({ ...m, updatedAt: 0 }, { poolId: pool.id, userId: user.id, totpEnabled: false, smsEnabled: false, totpLastStep: 0, updatedAt: 0 });
          return { ...m, totpPendingSealed: 'pending', updatedAt: T0 };
        });
        assert.equal(first.totpPendingSealed, 'pending');
        await s.mfa.update(pool.id, user.id, (m) => ({ ...m, totpSecretSealed: m.totpPendingSealed, totpPendingSealed: undefined, totpEnabled: true, preferred: 'SOFTWARE_TOKEN_MFA', updatedAt: T0 + 1 }));
        assert.deepEqual(await s.mfa.get(pool.id, user.id), {
          poolId: pool.id, userId: user.id, totpSecretSealed: 'pending', totpPendingSealed: undefined, totpEnabled: true, smsEnabled: false,
          preferred: 'SOFTWARE_TOKEN_MFA', totpLastStep: 0, updatedAt: T0 + 1,
        });
        await Promise.all(Array.from({ length: 10 }, () => s.mfa.update(pool.id, user.id, (m) => ({ ...m, totpLastStep: m.totpLastStep + 1 }))));
        assert.equal((await s.mfa.get(pool.id, user.id))?.totpLastStep, 10, 'no lost updates under concurrency');
        assert.equal(await s.mfa.get('us-east-1_Other', user.id), undefined, 'scoped by pool');
        await assert.rejects(s.mfa.update(pool.id, 'no-such-user', (m) => m), NotFoundError);
        await s.users.delete(pool.id, user.id);
        assert.equal(await s.mfa.get(pool.id, user.id), undefined);
      });
    });

    it('accepts each TOTP time step once, and never one older than the last', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.mfa.update(pool.id, user.id, (m) => ({ ...m, totpEnabled: true, totpLastStep: 100 }));
        const twice = await Promise.all([s.mfa.useTotpStep(pool.id, user.id, 101), s.mfa.useTotpStep(pool.id, user.id, 101)]);
        assert.deepEqual(twice.sort(), [false, true], 'exactly one of two concurrent uses wins');
        assert.equal(await s.mfa.useTotpStep(pool.id, user.id, 100), false, 'an older step');
        assert.equal(await s.mfa.useTotpStep(pool.id, user.id, 102), true);
      });
    });
  });

  describe(`${name}: challenge sessions`, () => {
    it('a session is consumed once, even by concurrent callers', async () => {
      await withStorage(async (s) => {
        assert.equal(await s.challengeUses.usable('h1'), true);
        const results = await Promise.all(Array.from({ length: 5 }, () => s.challengeUses.consume('h1', T0 + 60_000, T0)));
        assert.deepEqual(results.filter(Boolean).length, 1);
        assert.equal(await s.challengeUses.usable('h1'), false);
        assert.equal(await s.challengeUses.consume('h2', T0 + 60_000, T0), true, 'sessions are independent');
      });
    });

    it('wrong answers use a session up at the limit', async () => {
      await withStorage(async (s) => {
        assert.equal(await s.challengeUses.recordFailure('h3', T0 + 60_000, 3), true);
        assert.equal(await s.challengeUses.recordFailure('h3', T0 + 60_000, 3), true);
        assert.equal(await s.challengeUses.usable('h3'), true);
        assert.equal(await s.challengeUses.recordFailure('h3', T0 + 60_000, 3), false);
        assert.equal(await s.challengeUses.usable('h3'), false);
        assert.equal(await s.challengeUses.consume('h3', T0 + 60_000, T0), false, 'a used-up session cannot be answered');
      });
    });
  });
}
