/** Conformance: signing keys (creation, rotation, publication window). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlreadyExistsError } from '../../src/storage/storage.js';
import { plain, seedPool, signingKeyRecord, T0 } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

const HOUR = 3_600_000;

export function keysConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: signing key rotation`, () => {
    it('retires the active key of each purpose, activates the new one, and keeps the retired key listed', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const other = await seedPool(s);
        await s.signingKeys.createIfAbsent(signingKeyRecord('id-1', pool.id, 'id'));
        await s.signingKeys.createIfAbsent(signingKeyRecord('access-1', pool.id, 'access'));
        await s.signingKeys.createIfAbsent(signingKeyRecord('other-id-1', other.id, 'id'));

        const now = T0 + HOUR;
        const next = [{ ...signingKeyRecord('id-2', pool.id, 'id'), createdAt: now }, { ...signingKeyRecord('access-2', pool.id, 'access'), createdAt: now }];
        const result = await s.signingKeys.rotate(pool.id, next, now, now + 2 * HOUR);
        assert.deepEqual(result.deleted, []);
        assert.deepEqual(result.retired.map((k) => [k.kid, k.status, k.retiredAt, k.publishUntil]).sort(),
          [['access-1', 'retired', now, now + 2 * HOUR], ['id-1', 'retired', now, now + 2 * HOUR]]);

        const keys = await s.signingKeys.listForPool(pool.id);
        const byKid = new Map(keys.map((k) => [k.kid, k]));
        assert.deepEqual([...byKid.keys()].sort(), ['access-1', 'access-2', 'id-1', 'id-2']);
        assert.deepEqual(plain(byKid.get('id-2')), plain(next[0]));
        assert.deepEqual(plain(byKid.get('id-1')), plain({ ...signingKeyRecord('id-1', pool.id, 'id'), status: 'retired', retiredAt: now, publishUntil: now + 2 * HOUR }));
        assert.deepEqual(plain(result.retired.find((k) => k.kid === 'id-1')), plain(byKid.get('id-1')), 'what rotate reports is what is stored');
        assert.deepEqual(keys.slice(0, 2).map((k) => k.kid).sort(), ['access-2', 'id-2'], 'newest first');
        assert.deepEqual(keys.filter((k) => k.status === 'active').map((k) => k.kid).sort(), ['access-2', 'id-2']);
        assert.deepEqual((await s.signingKeys.listForPool(other.id)).map((k) => [k.kid, k.status]), [['other-id-1', 'active']], 'other pools untouched');
        assert.equal((await s.signingKeys.createIfAbsent(signingKeyRecord('id-3', pool.id, 'id'))).kid, 'id-2', 'the new key is the active one');
      });
    });

    it('rotates one purpose alone, and works when the pool had no key of that purpose', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await s.signingKeys.createIfAbsent(signingKeyRecord('id-1', pool.id, 'id'));
        const first = await s.signingKeys.rotate(pool.id, [signingKeyRecord('access-1', pool.id, 'access')], T0, T0 + HOUR);
        assert.deepEqual(first, { retired: [], deleted: [] });
        const second = await s.signingKeys.rotate(pool.id, [signingKeyRecord('access-2', pool.id, 'access')], T0 + 1, T0 + HOUR);
        assert.deepEqual(second.retired.map((k) => k.kid), ['access-1']);
        const status = Object.fromEntries((await s.signingKeys.listForPool(pool.id)).map((k) => [k.kid, k.status]));
        assert.deepEqual(status, { 'id-1': 'active', 'access-1': 'retired', 'access-2': 'active' });
      });
    });

    it('keeps each retired key until its own publishUntil, then deletes it at the next rotation', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await s.signingKeys.createIfAbsent(signingKeyRecord('k1', pool.id, 'id'));
        await s.signingKeys.rotate(pool.id, [signingKeyRecord('k2', pool.id, 'id')], T0, T0 + HOUR);
        // A second rotation inside the window: k1 keeps its own window, k2 gets a new one.
        const again = await s.signingKeys.rotate(pool.id, [signingKeyRecord('k3', pool.id, 'id')], T0 + 10, T0 + 3 * HOUR);
        assert.deepEqual(again.deleted, []);
        const windows = Object.fromEntries((await s.signingKeys.listForPool(pool.id)).map((k) => [k.kid, k.publishUntil ?? null]));
        assert.deepEqual(windows, { k1: T0 + HOUR, k2: T0 + 3 * HOUR, k3: null });

        const later = await s.signingKeys.rotate(pool.id, [signingKeyRecord('k4', pool.id, 'id')], T0 + HOUR, T0 + 5 * HOUR);
        assert.deepEqual(later.deleted, ['k1'], 'publishUntil reached: deleted');
        assert.deepEqual(later.retired.map((k) => k.kid), ['k3']);
        assert.deepEqual((await s.signingKeys.listForPool(pool.id)).map((k) => k.kid).sort(), ['k2', 'k3', 'k4']);
      });
    });

    it('changes nothing when a new kid is already taken', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await s.signingKeys.createIfAbsent(signingKeyRecord('id-1', pool.id, 'id'));
        await s.signingKeys.createIfAbsent(signingKeyRecord('access-1', pool.id, 'access'));
        await s.signingKeys.rotate(pool.id, [signingKeyRecord('id-2', pool.id, 'id')], T0, T0 + 1);
        const before = plain(await s.signingKeys.listForPool(pool.id));
        // id-1 is due for deletion and access-1 for retirement before the clash on the second key.
        await assert.rejects(
          s.signingKeys.rotate(pool.id, [signingKeyRecord('fresh', pool.id, 'access'), signingKeyRecord('access-1', pool.id, 'id')], T0 + 5, T0 + HOUR),
          (e: unknown) => e instanceof AlreadyExistsError && e.key === 'kid',
        );
        assert.deepEqual(plain(await s.signingKeys.listForPool(pool.id)), before, 'all or nothing, the purge included');
      });
    });

    it('refuses keys of another pool, retired keys, or two keys of one purpose', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await assert.rejects(s.signingKeys.rotate(pool.id, [signingKeyRecord('x', 'us-east-1_Other', 'id')], T0, T0 + HOUR));
        await assert.rejects(s.signingKeys.rotate(pool.id, [{ ...signingKeyRecord('x', pool.id, 'id'), status: 'retired' }], T0, T0 + HOUR));
        await assert.rejects(s.signingKeys.rotate(pool.id, [signingKeyRecord('x', pool.id, 'id'), signingKeyRecord('y', pool.id, 'id')], T0, T0 + HOUR));
        assert.deepEqual(await s.signingKeys.listForPool(pool.id), []);
      });
    });

    it('leaves exactly one active key per purpose under concurrent rotations', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await s.signingKeys.createIfAbsent(signingKeyRecord('k0', pool.id, 'access'));
        await Promise.all([1, 2, 3, 4, 5].map((i) => s.signingKeys.rotate(pool.id, [signingKeyRecord(`k${i}`, pool.id, 'access')], T0 + i, T0 + HOUR)));
        const keys = await s.signingKeys.listForPool(pool.id);
        assert.equal(keys.length, 6);
        assert.equal(keys.filter((k) => k.status === 'active').length, 1);
        assert.ok(keys.filter((k) => k.status === 'retired').every((k) => k.publishUntil === T0 + HOUR && k.retiredAt !== undefined));
      });
    });
  });
}
