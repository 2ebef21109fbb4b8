/** Conformance: the per-aggregate writes the administrative API uses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlreadyExistsError, NotFoundError } from '../../src/storage/storage.js';
import {
  clientRecord, emailAlias, familyRecord, groupRecord, plain, poolRecord, resourceServerRecord, seedPool, seedUser, sessionRecord,
  signingKeyRecord, T0, userRecord,
} from './builders.js';
import type { WithStorage } from './conformance-directory.js';

export function adminConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: pool and client writes`, () => {
    it('puts, replaces and deletes a pool; deleting takes its clients, groups, users, keys and sessions', async () => {
      await withStorage(async (s) => {
        const pool = poolRecord('us-east-1_Put1');
        await s.pools.put(pool);
        assert.deepEqual(plain(await s.pools.get(pool.id)), plain(pool));
        const renamed = { ...pool, name: 'renamed', updatedAt: T0 + 1 };
        await s.pools.put(renamed);
        assert.deepEqual(plain(await s.pools.list()), plain([renamed]));

        await s.clients.put(clientRecord('c1', pool.id));
        await s.groups.create(groupRecord(pool.id, 'admins'));
        await s.resourceServers.create(resourceServerRecord(pool.id, 'api'));
        const user = userRecord(pool.id, 'alice', { email: 'alice@example.com' });
        await s.users.create(user, 'alice', [emailAlias('alice@example.com')]);
        await s.groups.addUser(pool.id, user.id, 'admins', T0);
        await s.signingKeys.createIfAbsent(signingKeyRecord('k1', pool.id, 'id'));
        await s.sessions.create(sessionRecord('sess1', pool.id, user.id));
        await s.tokens.createFamily(familyRecord('jti1', pool.id, user.id));

        const other = await seedPool(s);
        await s.clients.put(clientRecord('c2', other.id));

        assert.equal(await s.pools.delete(pool.id), true);
        assert.equal(await s.pools.delete(pool.id), false);
        assert.equal(await s.pools.get(pool.id), undefined);
        assert.equal(await s.clients.get('c1'), undefined);
        assert.deepEqual(await s.groups.listByPool(pool.id), []);
        assert.deepEqual(await s.resourceServers.listByPool(pool.id), []);
        assert.equal(await s.users.get(pool.id, user.id), undefined);
        assert.equal(await s.users.findByAlias(pool.id, 'email', 'alice@example.com'), undefined);
        assert.deepEqual(await s.signingKeys.listForPool(pool.id), []);
        assert.equal(await s.sessions.get('sess1'), undefined);
        assert.equal((await s.tokens.getFamilyWithUser('jti1'))?.family, undefined);
        assert.ok(await s.clients.get('c2'), 'other pools are untouched');
      });
    });

    it('puts a client, replaces it in place, refuses its id in another pool, and deletes it', async () => {
      await withStorage(async (s) => {
        const a = await seedPool(s);
        const b = await seedPool(s);
        const client = clientRecord('shared1', a.id, 'web', 'sealed');
        await s.clients.put(client);
        assert.deepEqual(plain(await s.clients.get(client.id)), plain(client));
        const changed = { ...client, name: 'web2', secretSealed: undefined, updatedAt: T0 + 5 };
        await s.clients.put(changed);
        assert.deepEqual(plain(await s.clients.listByPool(a.id)), plain([changed]));
        await assert.rejects(s.clients.put({ ...client, poolId: b.id }), AlreadyExistsError);
        await assert.rejects(s.clients.put(clientRecord('nopool', 'us-east-1_Missing1')), NotFoundError);
        assert.equal(await s.clients.delete(client.id), true);
        assert.equal(await s.clients.delete(client.id), false);
        assert.deepEqual(await s.clients.listByPool(a.id), []);
      });
    });
  });

  describe(`${name}: groups and resource servers`, () => {
    it('creates, reads, updates and deletes groups; a duplicate name is AlreadyExists', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const g = groupRecord(pool.id, 'admins', 1, 'arn:aws:iam::123456789012:role/admin');
        await s.groups.create(g);
        assert.deepEqual(plain(await s.groups.get(pool.id, 'admins')), plain(g));
        await assert.rejects(s.groups.create(g), AlreadyExistsError);
        const updated = { ...g, description: 'changed', precedence: undefined, roleArn: undefined, updatedAt: T0 + 1 };
        await s.groups.update(updated);
        assert.deepEqual(plain(await s.groups.get(pool.id, 'admins')), plain(updated));
        await assert.rejects(s.groups.update(groupRecord(pool.id, 'nobody')), NotFoundError);
        assert.equal(await s.groups.get(pool.id, 'nobody'), undefined);
        assert.equal(await s.groups.delete(pool.id, 'admins'), true);
        assert.equal(await s.groups.delete(pool.id, 'admins'), false);
        assert.deepEqual(await s.groups.listByPool(pool.id), []);
      });
    });

    it('adds and removes members idempotently, lists them in username order, and forgets them with the group or the user', async () => {
      await withStorage(async (s) => {
        const { pool, user: alice } = await seedUser(s, 'alice');
        const bob = userRecord(pool.id, 'bob');
        await s.users.create(bob, 'bob', []);
        await s.groups.create(groupRecord(pool.id, 'team'));
        await s.groups.create(groupRecord(pool.id, 'other'));
        await s.groups.addUser(pool.id, bob.id, 'team', T0);
        await s.groups.addUser(pool.id, alice.id, 'team', T0);
        await s.groups.addUser(pool.id, alice.id, 'team', T0);
        await s.groups.addUser(pool.id, alice.id, 'other', T0);
        assert.deepEqual((await s.groups.listUsers(pool.id, 'team')).map((u) => u.username), ['alice', 'bob']);
        await assert.rejects(s.groups.addUser(pool.id, alice.id, 'missing', T0), NotFoundError);
        await assert.rejects(s.groups.addUser(pool.id, 'no-such-user', 'team', T0), NotFoundError);

        await s.groups.removeUser(pool.id, bob.id, 'team');
        await s.groups.removeUser(pool.id, bob.id, 'team');
        assert.deepEqual((await s.groups.listUsers(pool.id, 'team')).map((u) => u.username), ['alice']);
        await s.groups.delete(pool.id, 'team');
        assert.deepEqual((await s.groups.listForUser(pool.id, alice.id)).map((g) => g.name), ['other']);
        await s.users.delete(pool.id, alice.id);
        assert.deepEqual(await s.groups.listUsers(pool.id, 'other'), []);
      });
    });

    it('creates, reads, updates and deletes resource servers', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const rs = resourceServerRecord(pool.id, 'https://api.example.com', ['read']);
        await s.resourceServers.create(rs);
        assert.deepEqual(plain(await s.resourceServers.get(pool.id, rs.identifier)), plain(rs));
        await assert.rejects(s.resourceServers.create(rs), AlreadyExistsError);
        const updated = resourceServerRecord(pool.id, rs.identifier, ['read', 'write']);
        await s.resourceServers.update(updated);
        assert.deepEqual(plain(await s.resourceServers.listByPool(pool.id)), plain([updated]));
        await assert.rejects(s.resourceServers.update(resourceServerRecord(pool.id, 'missing')), NotFoundError);
        assert.equal(await s.resourceServers.delete(pool.id, rs.identifier), true);
        assert.equal(await s.resourceServers.delete(pool.id, rs.identifier), false);
        assert.equal(await s.resourceServers.get(pool.id, rs.identifier), undefined);
      });
    });
  });

  describe(`${name}: user deletion and listing`, () => {
    it('deletes a user with its aliases and codes, freeing the username', async () => {
      await withStorage(async (s) => {
        const { pool, user } = await seedUser(s, 'carol');
        await s.codes.put({ poolId: pool.id, userId: user.id, purpose: 'signup', codeHash: 'h', expiresAt: T0 + 1000, attempts: 0, createdAt: T0 });
        assert.equal(await s.users.delete(pool.id, user.id), true);
        assert.equal(await s.users.delete(pool.id, user.id), false);
        assert.equal(await s.users.get(pool.id, user.id), undefined);
        assert.equal(await s.users.findByAlias(pool.id, 'email', 'carol@example.com'), undefined);
        assert.equal(await s.codes.get(pool.id, user.id, 'signup'), undefined);
        await s.users.create(userRecord(pool.id, 'carol'), 'carol', [emailAlias('carol@example.com')]);
      });
    });

    it('lists a pool\'s users in pages with a cursor, every user exactly once', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const other = await seedPool(s);
        const names = ['dave', 'Erin', 'alice', 'bob', 'carol'];
        for (const n of names) await s.users.create(userRecord(pool.id, n), n.toLowerCase(), []);
        await s.users.create(userRecord(other.id, 'zed'), 'zed', []);
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await s.users.list(pool.id, { after, limit: 2 });
          assert.ok(page.users.length <= 2);
          seen.push(...page.users.map((u) => u.username));
          after = page.next;
          pages++;
        } while (after !== undefined && pages < 10);
        assert.deepEqual(seen, ['alice', 'bob', 'carol', 'dave', 'Erin']);
        assert.equal(pages, 3);
        const all = await s.users.list(pool.id, { limit: 60 });
        assert.equal(all.users.length, 5);
        assert.equal(all.next, undefined);
        assert.deepEqual(await s.users.list('us-east-1_Nothing', { limit: 10 }), { users: [], next: undefined });
      });
    });
  });
}
