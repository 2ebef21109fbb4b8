/** Conformance: one-time codes, authorization codes, sessions, token families, refresh tokens, keys, meta. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OneTimeCode } from '../../src/core/model.js';
import {
  authorizationCodeRecord, familyRecord, plain, refreshRecord, seedPool, seedUser, sessionRecord, signingKeyRecord, T0, userRecord,
} from './builders.js';
import type { WithStorage } from './conformance-directory.js';

export function authConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: one-time codes`, () => {
    const code = (poolId: string, userId: string, codeHash: string, expiresAt = T0 + 60_000): OneTimeCode => ({
      poolId, userId, purpose: 'signup', codeHash, expiresAt, attempts: 0, createdAt: T0,
    });

    it('a matching code is consumed once, then reported missing', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.codes.put(code(pool.id, user.id, 'h-right'));
        assert.deepEqual(plain(await s.codes.get(pool.id, user.id, 'signup')), plain(code(pool.id, user.id, 'h-right')));
        assert.equal(await s.codes.get(pool.id, user.id, 'forgot_password'), undefined);
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'forgot_password', 'h-right', T0, 5), { status: 'missing' });
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'signup', 'h-right', T0, 5), { status: 'ok' });
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'signup', 'h-right', T0, 5), { status: 'missing' });
        assert.equal(await s.codes.get(pool.id, user.id, 'signup'), undefined);
      });
    });

    it('a wrong code counts an attempt, and at maxAttempts the code is destroyed', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.codes.put(code(pool.id, user.id, 'h-right'));
        const left: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await s.codes.consume(pool.id, user.id, 'signup', 'h-wrong', T0, 5);
          assert.equal(r.status, 'mismatch');
          if (r.status === 'mismatch') left.push(r.attemptsLeft);
          if (i === 0) assert.equal((await s.codes.get(pool.id, user.id, 'signup'))?.attempts, 1);
        }
        assert.deepEqual(left, [4, 3, 2, 1, 0]);
        assert.equal(await s.codes.get(pool.id, user.id, 'signup'), undefined);
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'signup', 'h-right', T0, 5), { status: 'missing' });
      });
    });

    it('an expired code is refused even when it matches; put replaces a code and resets its attempts', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.codes.put(code(pool.id, user.id, 'h-old', T0 + 1000));
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'signup', 'h-old', T0 + 1001, 5), { status: 'expired' });

        await s.codes.put(code(pool.id, user.id, 'h-1'));
        await s.codes.consume(pool.id, user.id, 'signup', 'h-wrong', T0, 5);
        await s.codes.put(code(pool.id, user.id, 'h-2'));
        assert.equal((await s.codes.get(pool.id, user.id, 'signup'))?.attempts, 0);
        assert.equal((await s.codes.consume(pool.id, user.id, 'signup', 'h-1', T0, 5)).status, 'mismatch');
        assert.deepEqual(await s.codes.consume(pool.id, user.id, 'signup', 'h-2', T0, 5), { status: 'ok' });
      });
    });
  });

  describe(`${name}: authorization codes`, () => {
    it('the first consume is ok with the code, a second is a replay, an unknown code is missing', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const record = authorizationCodeRecord('ac-1', pool.id, user.id);
        await s.authorizationCodes.create(record);
        const first = await s.authorizationCodes.consume('ac-1', T0 + 10);
        assert.equal(first.status, 'ok');
        if (first.status === 'ok') {
          const { consumedAt: _c, ...rest } = first.code;
          assert.deepEqual(plain(rest), plain(record));
        }
        const second = await s.authorizationCodes.consume('ac-1', T0 + 20);
        assert.equal(second.status, 'replayed');
        if (second.status === 'replayed') assert.equal(second.code.userId, user.id);
        assert.deepEqual(await s.authorizationCodes.consume('ac-unknown', T0), { status: 'missing' });
      });
    });

    it('of 10 concurrent consumes exactly one is ok', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.authorizationCodes.create(authorizationCodeRecord('ac-race', pool.id, user.id));
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.authorizationCodes.consume('ac-race', T0 + i)));
        assert.equal(results.filter((r) => r.status === 'ok').length, 1);
        assert.equal(results.filter((r) => r.status === 'replayed').length, 9);
      });
    });

    it('setOriginJti is returned by a later replay; deleteExpired removes only expired codes', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        await s.authorizationCodes.create(authorizationCodeRecord('ac-1', pool.id, user.id));
        await s.authorizationCodes.create({ ...authorizationCodeRecord('ac-2', pool.id, user.id), expiresAt: T0 + 10 });
        await s.authorizationCodes.consume('ac-1', T0);
        await s.authorizationCodes.setOriginJti('ac-1', 'jti-1');
        const replay = await s.authorizationCodes.consume('ac-1', T0 + 1);
        assert.equal(replay.status, 'replayed');
        if (replay.status === 'replayed') assert.equal(replay.code.originJti, 'jti-1');

        assert.equal(await s.authorizationCodes.deleteExpired(T0 + 100), 1);
        assert.deepEqual(await s.authorizationCodes.consume('ac-2', T0), { status: 'missing' });
        assert.equal((await s.authorizationCodes.consume('ac-1', T0 + 2)).status, 'replayed');
      });
    });
  });

  describe(`${name}: browser sessions`, () => {
    it('create, get, delete and deleteForUser (only that user)', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s, 'alice');
        const bob = userRecord(pool.id, 'bob');
        await s.users.create(bob, 'bob', []);
        for (const id of ['s1', 's2', 's3']) await s.sessions.create(sessionRecord(id, pool.id, user.id));
        await s.sessions.create(sessionRecord('s-bob', pool.id, bob.id));
        assert.deepEqual(plain(await s.sessions.get('s1')), plain(sessionRecord('s1', pool.id, user.id)));
        await s.sessions.delete('s1');
        assert.equal(await s.sessions.get('s1'), undefined);
        await s.sessions.delete('s1');
        await s.sessions.deleteForUser(pool.id, user.id);
        assert.equal(await s.sessions.get('s2'), undefined);
        assert.equal(await s.sessions.get('s3'), undefined);
        assert.ok(await s.sessions.get('s-bob'));
      });
    });
  });

  describe(`${name}: token families and refresh tokens`, () => {
    it('revokeFamily revokes one family; revokeFamiliesOfUser every family of that user only', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s, 'alice');
        const bob = userRecord(pool.id, 'bob');
        await s.users.create(bob, 'bob', []);
        const f = (jti: string, userId = user.id) => familyRecord(jti, pool.id, userId);
        for (const fam of [f('a1'), f('a2'), f('a3'), f('b1', bob.id)]) await s.tokens.createFamily(fam);
        assert.deepEqual(plain((await s.tokens.getFamilyWithUser('a1'))?.family), plain(f('a1')));
        assert.equal((await s.tokens.getFamilyWithUser('nope'))?.family, undefined);
        await s.tokens.revokeFamily('a1', T0 + 5);
        assert.equal((await s.tokens.getFamilyWithUser('a1'))?.family?.revokedAt, T0 + 5);
        assert.equal((await s.tokens.getFamilyWithUser('a2'))?.family?.revokedAt, undefined);
        await s.tokens.revokeFamiliesOfUser(pool.id, user.id, T0 + 9);
        assert.equal((await s.tokens.getFamilyWithUser('a2'))?.family?.revokedAt, T0 + 9);
        assert.equal((await s.tokens.getFamilyWithUser('a3'))?.family?.revokedAt, T0 + 9);
        assert.notEqual((await s.tokens.getFamilyWithUser('a1'))?.family?.revokedAt, undefined);
        assert.equal((await s.tokens.getFamilyWithUser('b1'))?.family?.revokedAt, undefined);
      });
    });

    it('getFamilyWithUser reads a family with its user as users.get has it, revoked or not, and without the user once deleted', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s, 'alice');
        const bob = userRecord(pool.id, 'bob', { email: 'bob@example.com' });
        await s.users.create(bob, 'bob', []);
        const family = familyRecord('f1', pool.id, user.id);
        for (const fam of [family, familyRecord('f2', pool.id, bob.id)]) await s.tokens.createFamily(fam);
        assert.deepEqual(plain(await s.tokens.getFamilyWithUser('f1')), plain({ family, user: await s.users.get(pool.id, user.id) }));
        const second = await s.tokens.getFamilyWithUser('f2');
        assert.deepEqual(plain(second?.user), plain(await s.users.get(pool.id, bob.id)));
        assert.equal(second?.user?.attributes.email, 'bob@example.com');
        assert.equal(await s.tokens.getFamilyWithUser('nope'), undefined);
        await s.tokens.revokeFamily('f1', T0 + 5);
        assert.equal((await s.tokens.getFamilyWithUser('f1'))?.family.revokedAt, T0 + 5);
        assert.ok(await s.users.delete(pool.id, bob.id));
        // Deleting a user leaves its families (the services revoke them); the read then has no user.
        const orphan = await s.tokens.getFamilyWithUser('f2');
        assert.deepEqual(plain(orphan?.family), plain(familyRecord('f2', pool.id, bob.id)));
        assert.equal(orphan?.user, undefined);
      });
    });

    it('refresh tokens round-trip; rotation succeeds once and a second rotation of the same token returns false', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const fam = familyRecord('fam', pool.id, user.id);
        await s.tokens.createFamily(fam);
        const old = refreshRecord('rt-old', fam);
        await s.tokens.createRefreshToken(old);
        await s.tokens.createRefreshToken({ ...refreshRecord('rt-no-id', fam), withIdToken: false });
        assert.deepEqual(plain(await s.tokens.getRefreshToken('rt-old')), plain(old));
        assert.equal((await s.tokens.getRefreshToken('rt-no-id'))?.withIdToken, false);
        assert.equal(await s.tokens.getRefreshToken('rt-unknown'), undefined);

        const next = { ...refreshRecord('rt-next', fam), createdAt: T0 + 50 };
        assert.equal(await s.tokens.rotateRefreshToken('rt-old', next, T0 + 50), true);
        assert.equal((await s.tokens.getRefreshToken('rt-old'))?.replacedAt, T0 + 50);
        assert.deepEqual(plain(await s.tokens.getRefreshToken('rt-next')), plain(next));

        assert.equal(await s.tokens.rotateRefreshToken('rt-old', refreshRecord('rt-second', fam), T0 + 60), false);
        assert.equal(await s.tokens.getRefreshToken('rt-second'), undefined);
        assert.equal((await s.tokens.getRefreshToken('rt-old'))?.replacedAt, T0 + 50);
      });
    });

    it('of 5 concurrent rotations of one token exactly one succeeds and stores its successor', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s);
        const fam = familyRecord('fam', pool.id, user.id);
        await s.tokens.createFamily(fam);
        await s.tokens.createRefreshToken(refreshRecord('rt', fam));
        const results = await Promise.all([0, 1, 2, 3, 4].map((i) => s.tokens.rotateRefreshToken('rt', refreshRecord(`rt-${i}`, fam), T0 + i)));
        assert.equal(results.filter(Boolean).length, 1);
        const stored = await Promise.all([0, 1, 2, 3, 4].map((i) => s.tokens.getRefreshToken(`rt-${i}`)));
        assert.equal(stored.filter(Boolean).length, 1);
        assert.equal(stored.findIndex(Boolean), results.indexOf(true));
      });
    });
  });

  describe(`${name}: signing keys and meta`, () => {
    it('createIfAbsent keeps the first active key per pool and purpose', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const other = await seedPool(s);
        const first = signingKeyRecord('k-id-1', pool.id, 'id');
        assert.deepEqual(plain(await s.signingKeys.createIfAbsent(first)), plain(first));
        assert.deepEqual(plain(await s.signingKeys.createIfAbsent(signingKeyRecord('k-id-2', pool.id, 'id'))), plain(first));
        const access = signingKeyRecord('k-access-1', pool.id, 'access');
        assert.deepEqual(plain(await s.signingKeys.createIfAbsent(access)), plain(access));
        const elsewhere = signingKeyRecord('k-other', other.id, 'id');
        assert.deepEqual(plain(await s.signingKeys.createIfAbsent(elsewhere)), plain(elsewhere));
        const keys = await s.signingKeys.listForPool(pool.id);
        assert.deepEqual(keys.map((k) => k.kid).sort(), ['k-access-1', 'k-id-1']);
        assert.deepEqual(plain(keys.find((k) => k.kid === 'k-id-1')), plain(first));
        assert.deepEqual((await s.signingKeys.listForPool(other.id)).map((k) => k.kid), ['k-other']);
        assert.deepEqual(await s.signingKeys.listForPool('us-east-1_None'), []);
      });
    });

    it('meta get and set (overwrite)', async () => {
      await withStorage(async (s) => {
        assert.equal(await s.getMeta('example_seeded'), undefined);
        await s.setMeta('example_seeded', 'yes');
        assert.equal(await s.getMeta('example_seeded'), 'yes');
        await s.setMeta('example_seeded', 'again');
        assert.equal(await s.getMeta('example_seeded'), 'again');
        assert.equal(await s.getMeta('other'), undefined);
      });
    });
  });
}
