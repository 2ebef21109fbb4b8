/** Conformance: applyConfig, pools, clients, groups, resource servers and users. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlreadyExistsError, NotFoundError, StalePlanError, type Storage } from '../../src/storage/storage.js';
import {
  clientRecord, emailAlias, emptyPlan, groupRecord, plain, poolRecord, resourceServerRecord, seedPool, T0, userRecord,
} from './builders.js';

export type WithStorage = (fn: (s: Storage) => Promise<void>) => Promise<void>;

export function directoryConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: applyConfig`, () => {
    it('writes pools, clients, groups and resource servers, and a second apply updates them in place', async () => {
      await withStorage(async (s) => {
        const pool = poolRecord('us-east-1_Apply1', 'one');
        const client = clientRecord('client1', pool.id, 'web', 'sealed-secret');
        const plan = {
          ...emptyPlan(), pools: [pool], clients: [client], resourceServers: [resourceServerRecord(pool.id, 'api')],
          groups: [groupRecord(pool.id, 'admins', 1, 'arn:aws:iam::123456789012:role/admin'), groupRecord(pool.id, 'users')],
        };
        await s.applyConfig(plan);
        assert.deepEqual(plain(await s.pools.get(pool.id)), plain(pool));
        assert.equal(await s.pools.exists(pool.id), true);
        assert.equal(await s.pools.exists('us-east-1_Absent'), false);
        assert.deepEqual(plain(await s.clients.get(client.id)), plain(client));
        assert.deepEqual(plain(await s.groups.listByPool(pool.id)), plain(plan.groups));
        assert.deepEqual(plain(await s.resourceServers.listByPool(pool.id)), plain(plan.resourceServers));

        const renamed = { ...pool, name: 'renamed', settings: { ...pool.settings, caseSensitive: true }, updatedAt: T0 + 1 };
        const publicClient = { ...client, name: 'web-2', secretSealed: undefined, updatedAt: T0 + 1 };
        const plan2 = {
          ...emptyPlan(), pools: [renamed], clients: [publicClient],
          resourceServers: [resourceServerRecord(pool.id, 'api', ['read', 'write'])],
          groups: [{ ...groupRecord(pool.id, 'admins', 5), description: 'changed' }, groupRecord(pool.id, 'users')],
        };
        await s.applyConfig(plan2);
        await s.applyConfig(plan2);
        assert.equal((await s.pools.list()).length, 1);
        assert.deepEqual(plain(await s.pools.get(pool.id)), plain(renamed));
        assert.deepEqual(plain(await s.clients.listByPool(pool.id)), plain([publicClient]));
        assert.equal((await s.clients.get(client.id))?.secretSealed, undefined);
        assert.deepEqual(plain(await s.groups.listByPool(pool.id)), plain(plan2.groups));
        assert.deepEqual(plain(await s.resourceServers.listByPool(pool.id)), plain(plan2.resourceServers));
      });
    });

    it('writes nothing and throws StalePlanError when a pool or client the plan creates was stored after it was planned', async () => {
      await withStorage(async (s) => {
        // Two instances planned the same file while the database was empty; the first one has applied.
        const first = poolRecord('us-east-1_Stale1', 'by name');
        await s.applyConfig({
          ...emptyPlan(), pools: [first], clients: [clientRecord('first-app', first.id, 'app')],
          creates: { pools: [{ id: first.id, byName: 'by name' }], clients: [{ id: 'first-app', poolId: first.id, byName: 'app' }] },
        });
        const second = poolRecord('us-east-1_Stale2', 'by name');
        const late = {
          ...emptyPlan(), pools: [second], clients: [clientRecord('second-app', second.id, 'app')], users: [{ user: userRecord(second.id, 'ada'), usernameKey: 'ada', aliases: [], groups: [] }],
          creates: { pools: [{ id: second.id, byName: 'by name' }], clients: [{ id: 'second-app', poolId: second.id, byName: 'app' }] },
        };
        await assert.rejects(s.applyConfig(late), (e: unknown) => e instanceof StalePlanError);
        assert.deepEqual((await s.pools.list()).map((p) => p.id), [first.id], 'nothing of the stale plan was written');
        assert.equal(await s.clients.get('second-app'), undefined);

        // A client matched by name within an existing pool, and pools and clients named by id, the same way.
        const byClientName = { ...emptyPlan(), pools: [first], clients: [clientRecord('other-app', first.id, 'app')], creates: { pools: [], clients: [{ id: 'other-app', poolId: first.id, byName: 'app' }] } };
        await assert.rejects(s.applyConfig(byClientName), (e: unknown) => e instanceof StalePlanError);
        const byId = { ...emptyPlan(), pools: [{ ...first, name: 'renamed' }], creates: { pools: [{ id: first.id }], clients: [] } };
        await assert.rejects(s.applyConfig(byId), (e: unknown) => e instanceof StalePlanError);
        assert.equal((await s.pools.get(first.id))?.name, 'by name');
        // A name used by a pool the plan does not create is no conflict: a second pool may share it when given an id.
        const namesake = poolRecord('us-east-1_Stale3', 'by name');
        await s.applyConfig({ ...emptyPlan(), pools: [namesake], creates: { pools: [{ id: namesake.id }], clients: [] } });
        assert.equal((await s.pools.list()).length, 2);
      });
    });

    it('creates a user only when neither its username key nor any alias exists, and puts it in its groups', async () => {
      await withStorage(async (s) => {
        const pool = poolRecord('us-east-1_Apply2');
        const groups = [groupRecord(pool.id, 'admins', 1)];
        const alice = userRecord(pool.id, 'alice', { email: 'alice@example.com' });
        const entry = (user: typeof alice, key: string, email: string) => ({ user, usernameKey: key, aliases: [emailAlias(email)], groups: ['admins'] });
        await s.applyConfig({ ...emptyPlan(), pools: [pool], groups, users: [entry(alice, 'alice', 'alice@example.com')] });
        assert.deepEqual(plain(await s.users.get(pool.id, alice.id)), plain(alice));
        assert.deepEqual((await s.groups.listForUser(pool.id, alice.id)).map((g) => g.name), ['admins']);

        const sameKey = { ...userRecord(pool.id, 'alice'), passwordHash: 'other' };
        const sameAlias = userRecord(pool.id, 'alice2', { email: 'ALICE@example.com' });
        await s.applyConfig({
          ...emptyPlan(), pools: [pool], groups,
          users: [entry(sameKey, 'alice', 'someone@example.com'), entry(sameAlias, 'alice2', 'alice@example.com')],
        });
        assert.equal(await s.users.count(pool.id), 1);
        assert.equal((await s.users.get(pool.id, alice.id))?.passwordHash, alice.passwordHash);
        assert.equal(await s.users.get(pool.id, sameKey.id), undefined);
        assert.equal(await s.users.get(pool.id, sameAlias.id), undefined);

        const bob = userRecord(pool.id, 'bob');
        await s.applyConfig({ ...emptyPlan(), pools: [pool], groups, users: [entry(bob, 'bob', 'bob@example.com')] });
        assert.equal(await s.users.count(pool.id), 2);
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'bob@example.com'))?.id, bob.id);
      });
    });

    it('refuses to move a client id to another pool, and then has written nothing of the plan', async () => {
      await withStorage(async (s) => {
        const a = poolRecord('us-east-1_PoolA', 'A');
        await s.applyConfig({ ...emptyPlan(), pools: [a], clients: [clientRecord('shared', a.id)] });
        const b = poolRecord('us-east-1_PoolB', 'B');
        const intruder = userRecord(b.id, 'mallory');
        const plan = {
          ...emptyPlan(),
          pools: [{ ...a, name: 'A renamed' }, b],
          resourceServers: [resourceServerRecord(b.id, 'api')],
          groups: [groupRecord(b.id, 'staff')],
          clients: [clientRecord('fresh', b.id), clientRecord('shared', b.id)],
          users: [{ user: intruder, usernameKey: 'mallory', aliases: [], groups: [] }],
        };
        await assert.rejects(s.applyConfig(plan), (e: unknown) => e instanceof AlreadyExistsError);
        assert.equal(await s.pools.get(b.id), undefined);
        assert.equal((await s.pools.get(a.id))?.name, 'A');
        assert.equal((await s.pools.list()).length, 1);
        assert.equal((await s.clients.get('shared'))?.poolId, a.id);
        assert.equal(await s.clients.get('fresh'), undefined);
        assert.deepEqual(await s.groups.listByPool(b.id), []);
        assert.deepEqual(await s.resourceServers.listByPool(b.id), []);
        assert.equal(await s.users.count(b.id), 0);
      });
    });
  });

  describe(`${name}: users`, () => {
    it('finds a created user by id, username key and alias, scoped by pool', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const other = await seedPool(s);
        const alice = userRecord(pool.id, 'Alice', { email: 'Alice@Example.com', email_verified: 'true' });
        await s.users.create(alice, 'alice', [emailAlias('Alice@Example.com')]);
        assert.deepEqual(plain(await s.users.get(pool.id, alice.id)), plain(alice));
        assert.equal((await s.users.findByUsernameKey(pool.id, 'alice'))?.id, alice.id);
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'alice@example.com'))?.id, alice.id);
        assert.equal(await s.users.findByUsernameKey(pool.id, 'Alice'), undefined);
        assert.equal(await s.users.findByAlias(pool.id, 'phone_number', 'alice@example.com'), undefined);
        assert.equal(await s.users.findByUsernameKey(other.id, 'alice'), undefined);
        assert.equal(await s.users.findByAlias(other.id, 'email', 'alice@example.com'), undefined);
        assert.equal(await s.users.get(other.id, alice.id), undefined);
        assert.equal(await s.users.count(pool.id), 1);
        assert.equal(await s.users.count(other.id), 0);
      });
    });

    it('create names the colliding key and writes nothing; the same names are free in another pool', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await s.users.create(userRecord(pool.id, 'alice'), 'alice', [emailAlias('a@example.com')]);
        const twin = userRecord(pool.id, 'alice');
        await assert.rejects(s.users.create(twin, 'alice', []), (e: unknown) => e instanceof AlreadyExistsError && e.key === 'username');
        const carol = userRecord(pool.id, 'carol');
        await assert.rejects(
          s.users.create(carol, 'carol', [{ attribute: 'preferred_username', key: 'caz' }, emailAlias('a@example.com')]),
          (e: unknown) => e instanceof AlreadyExistsError && e.key === 'email',
        );
        assert.equal(await s.users.get(pool.id, carol.id), undefined);
        assert.equal(await s.users.findByUsernameKey(pool.id, 'carol'), undefined);
        assert.equal(await s.users.findByAlias(pool.id, 'preferred_username', 'caz'), undefined);
        assert.equal(await s.users.count(pool.id), 1);

        const other = await seedPool(s);
        await s.users.create(userRecord(other.id, 'alice'), 'alice', [emailAlias('a@example.com')]);
        assert.equal(await s.users.count(other.id), 1);
      });
    });

    it('update applies the updater atomically, returns the stored user, and throws NotFoundError for a missing user', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const alice = userRecord(pool.id, 'alice', { n: '0' });
        await s.users.create(alice, 'alice', []);
        const updated = await s.users.update(pool.id, alice.id, (u) => ({
          ...u, status: 'RESET_REQUIRED', enabled: false, passwordHash: null, attributes: { ...u.attributes, name: 'Alice' },
          updatedAt: T0 + 5, passwordUpdatedAt: T0 + 5,
        }));
        assert.deepEqual(plain(await s.users.get(pool.id, alice.id)), plain(updated));
        assert.equal(updated.status, 'RESET_REQUIRED');
        assert.equal(updated.enabled, false);
        assert.equal(updated.passwordHash, null);
        assert.equal(updated.attributes.name, 'Alice');

        const bump = () => s.users.update(pool.id, alice.id, (u) => ({ ...u, attributes: { ...u.attributes, n: String(Number(u.attributes.n) + 1) } }));
        await Promise.all(Array.from({ length: 10 }, bump));
        assert.equal((await s.users.get(pool.id, alice.id))?.attributes.n, '10');

        await assert.rejects(
          s.users.update(pool.id, alice.id, () => { throw new Error('updater failed'); }),
          /updater failed/,
        );
        assert.equal((await s.users.get(pool.id, alice.id))?.attributes.n, '10');
        await assert.rejects(s.users.update(pool.id, 'no-such-user', (u) => u), (e: unknown) => e instanceof NotFoundError);
      });
    });

    it('setAliases replaces the aliases and refuses one another user holds, keeping the old ones', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const alice = userRecord(pool.id, 'alice');
        const bob = userRecord(pool.id, 'bob');
        await s.users.create(alice, 'alice', [emailAlias('alice@example.com')]);
        await s.users.create(bob, 'bob', [emailAlias('bob@example.com')]);
        const next = [emailAlias('new@example.com'), { attribute: 'preferred_username', key: 'ally' }];
        await s.users.setAliases(pool.id, alice.id, next);
        await s.users.setAliases(pool.id, alice.id, next);
        assert.equal(await s.users.findByAlias(pool.id, 'email', 'alice@example.com'), undefined);
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'new@example.com'))?.id, alice.id);
        assert.equal((await s.users.findByAlias(pool.id, 'preferred_username', 'ally'))?.id, alice.id);

        await assert.rejects(
          s.users.setAliases(pool.id, alice.id, [emailAlias('bob@example.com')]),
          (e: unknown) => e instanceof AlreadyExistsError && e.key === 'email',
        );
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'bob@example.com'))?.id, bob.id);
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'new@example.com'))?.id, alice.id);
        assert.equal((await s.users.findByAlias(pool.id, 'preferred_username', 'ally'))?.id, alice.id);

        await s.users.setAliases(pool.id, alice.id, []);
        assert.equal(await s.users.findByAlias(pool.id, 'email', 'new@example.com'), undefined);
        await s.users.setAliases(pool.id, bob.id, [emailAlias('new@example.com')]);
        assert.equal((await s.users.findByAlias(pool.id, 'email', 'new@example.com'))?.id, bob.id);
      });
    });
  });
}
