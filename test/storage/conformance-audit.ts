/** Conformance: the audit trail (auth events). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuthEvent } from '../../src/core/ports.js';
import type { Storage } from '../../src/storage/storage.js';
import { emailAlias, plain, seedUser, T0, userRecord } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

const eventRecord = (poolId: string, userId: string | undefined, createdAt: number, extra: Partial<AuthEvent> = {}): AuthEvent => ({
  id: randomUUID(), poolId, userId, username: 'alice@example.com', clientId: 'client-1', type: 'SignIn', outcome: 'Pass',
  challenges: [{ name: 'Password', response: 'Success' }], ip: '127.0.0.1', userAgent: 'test-agent/1.0', createdAt, ...extra,
});

async function allPages(s: Storage, poolId: string, userId: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await s.authEvents.listForUser(poolId, userId, { limit, after });
    ids.push(...page.events.map((e) => e.id));
    after = page.next;
    pages += 1;
    assert.ok(pages < 50, 'pagination ends');
  } while (after !== undefined);
  return { ids, pages };
}

export function auditConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: auth events`, () => {
    it('stores every field and lists a user\'s events newest first, the last recorded first within one millisecond', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const full = eventRecord(pool.id, user.id, T0 + 10, { outcome: 'Fail', reason: 'NotAuthorized', challenges: [{ name: 'Password', response: 'Failure' }] });
        const bare = eventRecord(pool.id, user.id, T0 + 20, { username: undefined, clientId: undefined, ip: undefined, userAgent: undefined, challenges: [], type: 'GlobalSignOut' });
        const oldest = eventRecord(pool.id, user.id, T0);
        const tieFirst = eventRecord(pool.id, user.id, T0 + 30);
        const tieSecond = eventRecord(pool.id, user.id, T0 + 30);
        for (const e of [full, bare, oldest, tieFirst, tieSecond]) await s.authEvents.append(e);
        const page = await s.authEvents.listForUser(pool.id, user.id, { limit: 10 });
        assert.deepEqual(page.events.map((e) => e.id), [tieSecond.id, tieFirst.id, bare.id, full.id, oldest.id]);
        assert.equal(page.next, undefined);
        assert.deepEqual(plain(page.events[3]), plain(full));
        assert.deepEqual(plain(page.events[2]), plain(bare));
      });
    });

    it('pages with an opaque continuation that ends, and refuses a continuation it did not make', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const events = Array.from({ length: 7 }, (_, i) => eventRecord(pool.id, user.id, T0 + Math.floor(i / 2)));
        for (const e of events) await s.authEvents.append(e);
        const expected = [...events].reverse().map((e) => e.id);
        assert.deepEqual(await allPages(s, pool.id, user.id, 3), { ids: expected, pages: 3 });
        assert.deepEqual(await allPages(s, pool.id, user.id, 7), { ids: expected, pages: 1 }, 'an exact last page has no continuation');
        assert.deepEqual(await allPages(s, pool.id, user.id, 1), { ids: expected, pages: 7 });
        assert.deepEqual(plain(await s.authEvents.listForUser(pool.id, user.id, { limit: 3, after: 'not-a-cursor' })), { events: [] });
      });
    });

    it('stores events appended at once, each settling on its own: a refused one does not lose the others', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const events = Array.from({ length: 20 }, (_, i) => eventRecord(pool.id, user.id, T0 + i));
        const duplicate = { ...events[3]!, createdAt: T0 + 100 };
        const results = await Promise.allSettled([...events.slice(0, 10), duplicate, ...events.slice(10)].map((e) => s.authEvents.append(e)));
        // Which of the two with one id is refused depends on the backend's order; exactly one is.
        assert.deepEqual(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : [])).length, 1, 'an event id is stored once');
        assert.ok(results[3]!.status === 'rejected' || results[10]!.status === 'rejected');
        const { ids } = await allPages(s, pool.id, user.id, 50);
        assert.deepEqual([...ids].sort(), events.map((e) => e.id).sort());
      });
    });

    it('keeps users and pools apart', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const bob = userRecord(pool.id, 'bob', { email: 'bob@example.com' });
        await s.users.create(bob, 'bob', [emailAlias('bob@example.com')]);
        const other = await seedUser(s, 'carol');
        await s.authEvents.append(eventRecord(pool.id, user.id, T0));
        await s.authEvents.append(eventRecord(pool.id, bob.id, T0));
        await s.authEvents.append(eventRecord(other.pool.id, other.user.id, T0));
        assert.equal((await s.authEvents.listForUser(pool.id, user.id, { limit: 10 })).events.length, 1);
        assert.equal((await s.authEvents.listForUser(pool.id, bob.id, { limit: 10 })).events.length, 1);
        assert.deepEqual(plain(await s.authEvents.listForUser(other.pool.id, user.id, { limit: 10 })), { events: [] }, 'scoped by pool');
      });
    });

    it('keeps an event whose user does not exist, without the user', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const ghost = randomUUID();
        await s.authEvents.append(eventRecord(pool.id, ghost, T0, { outcome: 'Fail', reason: 'UserNotFound' }));
        await s.authEvents.append(eventRecord(pool.id, undefined, T0, { outcome: 'Fail', reason: 'UserNotFound' }));
        // A user's id in another pool does not attach the event to them.
        const other = await seedUser(s, 'dave');
        await s.authEvents.append(eventRecord(pool.id, other.user.id, T0));
        assert.deepEqual(plain(await s.authEvents.listForUser(pool.id, ghost, { limit: 10 })), { events: [] });
        assert.deepEqual(plain(await s.authEvents.listForUser(other.pool.id, other.user.id, { limit: 10 })), { events: [] });
        assert.deepEqual(plain(await s.authEvents.listForUser(pool.id, user.id, { limit: 10 })), { events: [] });
        assert.equal(await s.authEvents.deleteBefore(Number.MAX_SAFE_INTEGER), 3, 'all three were stored');
      });
    });

    it('deletes events older than a time', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const old = eventRecord(pool.id, user.id, T0 - 1);
        const edge = eventRecord(pool.id, user.id, T0);
        const fresh = eventRecord(pool.id, user.id, T0 + 1);
        for (const e of [old, edge, fresh]) await s.authEvents.append(e);
        assert.equal(await s.authEvents.deleteBefore(T0), 1);
        assert.deepEqual((await s.authEvents.listForUser(pool.id, user.id, { limit: 10 })).events.map((e) => e.id), [fresh.id, edge.id]);
        assert.equal(await s.authEvents.deleteBefore(T0), 0);
      });
    });

    it('deletes a user\'s events with the user, and a pool\'s with the pool', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const bob = userRecord(pool.id, 'bob', { email: 'bob@example.com' });
        await s.users.create(bob, 'bob', [emailAlias('bob@example.com')]);
        await s.authEvents.append(eventRecord(pool.id, user.id, T0));
        await s.authEvents.append(eventRecord(pool.id, bob.id, T0));
        await s.authEvents.append(eventRecord(pool.id, undefined, T0));
        const other = await seedUser(s, 'erin');
        await s.authEvents.append(eventRecord(other.pool.id, other.user.id, T0));

        assert.equal(await s.users.delete(pool.id, user.id), true);
        assert.deepEqual(plain(await s.authEvents.listForUser(pool.id, user.id, { limit: 10 })), { events: [] });
        assert.equal((await s.authEvents.listForUser(pool.id, bob.id, { limit: 10 })).events.length, 1);

        assert.equal(await s.pools.delete(pool.id), true);
        assert.equal((await s.authEvents.listForUser(other.pool.id, other.user.id, { limit: 10 })).events.length, 1);
        assert.equal(await s.authEvents.deleteBefore(Number.MAX_SAFE_INTEGER), 1, 'only the other pool\'s event is left');
      });
    });
  });
}
