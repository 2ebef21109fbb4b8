/**
 * Conformance: users.list with a filter. Every answer is compared with a reference written the
 * plain way (every user read, JavaScript string comparisons), paging with small limits so that
 * cursors, order and `next` are checked too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { User } from '../../src/core/model.js';
import type { Storage, UserListFilter } from '../../src/storage/storage.js';
import { seedPool, userRecord } from './builders.js';
import type { WithStorage } from './conformance-directory.js';

interface Stored { user: User; key: string }

function reference(stored: Stored, filter: UserListFilter): boolean {
  const { user, key } = stored;
  if (filter.field === 'enabled') return user.enabled === filter.value;
  const actual = filter.field === 'usernameKey' ? key : filter.field === 'id' ? user.id : filter.field === 'status' ? user.status : user.attributes[filter.field];
  if (actual === undefined) return false;
  const [a, w] = filter.folded ? [actual.toLowerCase(), filter.value.toLowerCase()] : [actual, filter.value];
  return filter.operator === '=' ? a === w : a.startsWith(w);
}

// The list's order: username keys by code point (UTF-8 bytes), as both databases sort them.
const byKey = (a: Stored, b: Stored) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

async function listAll(s: Storage, poolId: string, filter: UserListFilter, limit: number): Promise<{ keys: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await s.users.list(poolId, { after, limit, filter });
    assert.ok(page.users.length <= limit);
    if (page.next !== undefined) assert.equal(page.users.length, limit, 'a page is short only at the end');
    ids.push(...page.users.map((u) => u.id));
    after = page.next;
    pages++;
    assert.ok(pages < 200, 'paging ends');
  } while (after !== undefined);
  return { keys: ids, pages };
}

async function expectSame(s: Storage, poolId: string, all: Stored[], filter: UserListFilter, limits = [1, 2, 60]) {
  const expected = all.filter((u) => reference(u, filter)).sort(byKey).map((u) => u.user.id);
  for (const limit of limits) {
    const { keys, pages } = await listAll(s, poolId, filter, limit);
    assert.deepEqual(keys, expected, `${JSON.stringify(filter)} with limit ${limit}`);
    // `next` is given only when another match follows, so the last page is never empty (unless all are).
    assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)), `${JSON.stringify(filter)}: pages with limit ${limit}`);
  }
}

async function store(s: Storage, poolId: string, key: string, attributes: Record<string, string>, extra: Partial<User> = {}): Promise<Stored> {
  const user = { ...userRecord(poolId, key), ...extra };
  user.attributes = { sub: user.id, ...attributes };
  await s.users.create(user, key, []);
  return { user, key };
}

const SPECIAL = ['100%', '100_', 'a*b', 'a?b', '[ab]', 'back\\slash', 'quote"d', "apo'strophe", 'tab\there', 'nul\u0000in', 'émile', 'ÉMILE', '日本語', '😀 smile'];

export function listFilterConformance(name: string, withStorage: WithStorage) {
  describe(`${name}: users.list with a filter`, () => {
    it('equality and prefix on every field, as plain string comparisons would answer, in list order', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const other = await seedPool(s);
        const all: Stored[] = [];
        const people = [
          ['alice', 'Alice@Example.com', 'Alice', 'Smith', '+15550100', 'ali'],
          ['bob', 'bob@example.com', 'Bob', 'Smythe', '+15550101', 'Bobby'],
          ['carol', 'CAROL@example.org', 'Carol', 'Smith', '+44200', undefined],
          ['dave', 'dave@example.com', 'Dave', 'Jones', undefined, 'dave'],
          ['erin', undefined, 'Erin', 'smith', '+15550102', 'ERIN'],
          ['frank', 'alice@example.com', 'Frank', '', '+1', 'Ali'],
        ] as const;
        for (const [key, email, given, family, phone, preferred] of people) {
          const attributes: Record<string, string> = { given_name: given, family_name: family, name: `${given} ${family}` };
          if (email !== undefined) attributes.email = email;
          if (phone !== undefined) attributes.phone_number = phone;
          if (preferred !== undefined) attributes.preferred_username = preferred;
          all.push(await store(s, pool.id, key, attributes, key === 'dave' ? { enabled: false, status: 'UNCONFIRMED' } : key === 'erin' ? { status: 'FORCE_CHANGE_PASSWORD' } : {}));
        }
        // Look-alikes in another pool are never listed.
        await store(s, other.id, 'alice', { email: 'alice@example.com', given_name: 'Alice', family_name: 'Smith', name: 'Alice Smith' });

        const filters: UserListFilter[] = [
          { field: 'enabled', value: true }, { field: 'enabled', value: false },
          { field: 'usernameKey', operator: '=', value: 'carol' }, { field: 'usernameKey', operator: '^=', value: 'a' },
          { field: 'usernameKey', operator: '^=', value: '' }, { field: 'usernameKey', operator: '=', value: 'Carol' },
          { field: 'id', operator: '=', value: all[2]!.user.id }, { field: 'id', operator: '^=', value: all[4]!.user.id.slice(0, 8) },
          { field: 'status', operator: '=', value: 'CONFIRMED' }, { field: 'status', operator: '^=', value: 'UN' },
          { field: 'status', operator: '^=', value: 'F' }, { field: 'status', operator: '=', value: 'confirmed' },
          { field: 'given_name', operator: '=', value: 'Bob' }, { field: 'given_name', operator: '=', value: 'bob' },
          { field: 'family_name', operator: '^=', value: 'Sm' }, { field: 'family_name', operator: '=', value: 'Smith' },
          { field: 'family_name', operator: '=', value: '' }, { field: 'family_name', operator: '^=', value: '' },
          { field: 'name', operator: '^=', value: 'Carol S' }, { field: 'phone_number', operator: '^=', value: '+1555' },
          { field: 'phone_number', operator: '^=', value: '' }, { field: 'phone_number', operator: '=', value: '+1' },
          { field: 'email', operator: '=', value: 'alice@example.com' }, { field: 'email', operator: '=', value: 'alice@example.com', folded: true },
          { field: 'email', operator: '=', value: 'ALICE@EXAMPLE.COM', folded: true }, { field: 'email', operator: '^=', value: 'a', folded: true },
          { field: 'email', operator: '^=', value: 'A' }, { field: 'email', operator: '^=', value: '' }, { field: 'email', operator: '^=', value: '', folded: true },
          { field: 'email', operator: '^=', value: 'CAROL@', folded: true }, { field: 'email', operator: '^=', value: 'carol@' },
          { field: 'preferred_username', operator: '=', value: 'ali' }, { field: 'preferred_username', operator: '=', value: 'ali', folded: true },
          { field: 'preferred_username', operator: '^=', value: 'B' }, { field: 'preferred_username', operator: '^=', value: 'b', folded: true },
          { field: 'preferred_username', operator: '=', value: 'erin', folded: true }, { field: 'preferred_username', operator: '=', value: 'nobody' },
        ];
        for (const filter of filters) await expectSame(s, pool.id, all, filter);
        assert.deepEqual((await s.users.list(other.id, { limit: 60, filter: { field: 'family_name', operator: '^=', value: 'Sm' } })).users.length, 1);
      });
    });

    it('pages through many matches with small limits: each exactly once, in order, also when exact values hide among folded ones', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const all: Stored[] = [];
        for (let i = 0; i < 45; i++) {
          const key = `user${String((i * 37) % 45).padStart(2, '0')}`;
          // Three spellings of one address: a case-sensitive pool's exact filter must skip the others.
          const email = ['same@example.com', 'Same@Example.com', 'SAME@EXAMPLE.COM'][i % 3]!;
          all.push(await store(s, pool.id, key, { email, family_name: i % 5 === 0 ? 'Rare' : 'Common', preferred_username: `p${i}` }));
        }
        for (const filter of [
          { field: 'email', operator: '=', value: 'same@example.com', folded: true },
          { field: 'email', operator: '=', value: 'Same@Example.com' },
          { field: 'email', operator: '^=', value: 'SAME@' },
          { field: 'family_name', operator: '=', value: 'Common' },
          { field: 'family_name', operator: '=', value: 'Rare' },
          { field: 'preferred_username', operator: '^=', value: 'P1', folded: true },
          { field: 'usernameKey', operator: '^=', value: 'user1' },
        ] satisfies UserListFilter[]) {
          await expectSame(s, pool.id, all, filter, [1, 2, 7, 60]);
        }
      });
    });

    it('values with SQL and glob metacharacters, backslashes, quotes, NUL and non-ASCII compare as plain strings', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const all: Stored[] = [];
        for (const [i, value] of SPECIAL.entries()) {
          all.push(await store(s, pool.id, `u${String(i).padStart(2, '0')}`, { name: value, email: `${value}@x`, preferred_username: value }));
        }
        // Characters LIKE and GLOB treat specially must match themselves only.
        all.push(await store(s, pool.id, 'v00', { name: '100x', email: '100x@x', preferred_username: 'a-b' }));
        all.push(await store(s, pool.id, 'v01', { name: 'back/slash', email: 'ab@x', preferred_username: '(ab)' }));
        const filters: UserListFilter[] = [];
        for (const value of SPECIAL) {
          for (const operator of ['=', '^='] as const) {
            filters.push({ field: 'name', operator, value }, { field: 'email', operator, value: `${value}@x` }, { field: 'email', operator, value, folded: true });
            filters.push({ field: 'preferred_username', operator, value: value.toUpperCase() }, { field: 'preferred_username', operator, value: value.toUpperCase(), folded: true });
          }
          filters.push({ field: 'name', operator: '^=', value: value.slice(0, 2) });
        }
        filters.push({ field: 'name', operator: '^=', value: '100' }, { field: 'name', operator: '=', value: '100' }, { field: 'name', operator: '^=', value: 'a' });
        filters.push({ field: 'name', operator: '=', value: 'nul' }, { field: 'name', operator: '=', value: 'nulin' }, { field: 'name', operator: '^=', value: 'nul\u0000' });
        for (const filter of filters) await expectSame(s, pool.id, all, filter, [1, 60]);
      });
    });

    it('folds as JavaScript does beyond ASCII (and only for folded filters)', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const all: Stored[] = [];
        // Kelvin sign and dotted capital I lower-case to ASCII (or to ASCII and a combining dot);
        // final sigma depends on what follows; ß has no single upper-case; lone surrogates survive JSON.
        const values = ['\u212Aate@x.com', 'kate@x.com', 'İstanbul', 'istanbul', 'ΟΔΟΣ', 'οδος', 'ΟΔΟΣΟΣ', 'Straße', 'STRASSE', 'JÜRGEN', 'jürgen',
          'Jürgen', 'ǅemal', 'Ǆemal', 'lone\uD800', 'pair😀', 'ИВАН', 'иван', 'ǈ', '\uFFFD'];
        for (const [i, value] of values.entries()) all.push(await store(s, pool.id, `w${String(i).padStart(2, '0')}`, { email: value, preferred_username: value, name: value }));
        const probes = ['kate@x.com', 'KATE@X.COM', 'k', 'K', '\u212A', 'i', 'İ', 'i\u0307', 'istanbul', 'İSTANBUL', 'οδος', 'ΟΔΟΣ', 'οδοσ', 'οδοσο', 'ΟΔΟΣΟ', 'ΟΔΟΣ'.slice(0, 3),
          'straße', 'STRASSE', 'jürgen', 'JÜRGEN', 'jÜ', 'ǆemal', 'ǅ', 'lone\uD800', 'lone\uFFFD', 'lone', 'pair\uD83D', 'pair😀', 'иван', 'ИВ', 'ǉ', '\uFFFD', ''];
        for (const value of probes) {
          for (const operator of ['=', '^='] as const) {
            for (const field of ['email', 'preferred_username'] as const) {
              await expectSame(s, pool.id, all, { field, operator, value, folded: true }, [1, 60]);
              await expectSame(s, pool.id, all, { field, operator, value }, [60]);
            }
            await expectSame(s, pool.id, all, { field: 'name', operator, value }, [60]);
          }
        }
      });
    });

    it('follows attribute changes, and forgets deleted users', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        const ann = await store(s, pool.id, 'ann', { email: 'ann@old.example', given_name: 'Ann' });
        const ben = await store(s, pool.id, 'ben', { email: 'ben@example.com', given_name: 'Ben', phone_number: '+1555' });
        const emails = async (value: string, operator: '=' | '^=' = '=') =>
          (await s.users.list(pool.id, { limit: 10, filter: { field: 'email', operator, value, folded: true } })).users.map((u) => u.username);
        assert.deepEqual(await emails('ann@old.example'), ['ann']);
        await s.users.update(pool.id, ann.user.id, (u) => ({ ...u, attributes: { ...u.attributes, email: 'Ann@New.Example', family_name: 'Fresh' } }));
        assert.deepEqual(await emails('ann@old.example'), []);
        assert.deepEqual(await emails('ANN@NEW.EXAMPLE'), ['ann']);
        assert.deepEqual((await s.users.list(pool.id, { limit: 10, filter: { field: 'family_name', operator: '=', value: 'Fresh' } })).users.map((u) => u.username), ['ann']);
        await s.users.update(pool.id, ben.user.id, (u) => {
          const attributes = { ...u.attributes };
          delete attributes.phone_number;
          return { ...u, enabled: false, status: 'RESET_REQUIRED', attributes };
        });
        assert.deepEqual((await s.users.list(pool.id, { limit: 10, filter: { field: 'phone_number', operator: '^=', value: '' } })).users, []);
        assert.deepEqual((await s.users.list(pool.id, { limit: 10, filter: { field: 'enabled', value: false } })).users.map((u) => u.username), ['ben']);
        assert.deepEqual((await s.users.list(pool.id, { limit: 10, filter: { field: 'status', operator: '=', value: 'RESET_REQUIRED' } })).users.map((u) => u.username), ['ben']);
        await s.users.delete(pool.id, ann.user.id);
        assert.deepEqual(await emails('ann', '^='), []);
      });
    });

    it('refuses to fold a field that is compared exactly', async () => {
      await withStorage(async (s) => {
        const pool = await seedPool(s);
        await assert.rejects(s.users.list(pool.id, { limit: 1, filter: { field: 'name', operator: '=', value: 'x', folded: true } }));
      });
    });
  });
}

/**
 * Rows as a database from before migration 0009 held users (no filter columns): `count` users of
 * one pool, with column values in the order of the users table's first eleven columns.
 */
export function legacyUserRows(poolId: string, count: number): unknown[][] {
  return Array.from({ length: count }, (_, i) => {
    const key = `user${String(i).padStart(5, '0')}`;
    const attributes: Record<string, string> = { email: `User${i}@Example.com`, given_name: i % 2 ? 'Odd' : 'Even' };
    if (i === 3) attributes.preferred_username = 'ÉMILE';
    if (i === 7) attributes.name = 'nul\u0000here';
    return [`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, poolId, key, key, 'CONFIRMED', 1, null, JSON.stringify(attributes), 0, 0, 0];
  });
}

/** What filters find among legacyUserRows once migrated. */
export async function checkLegacyUsers(s: Storage, poolId: string, count: number) {
  const usernames = async (filter: UserListFilter, limit = 60) => (await s.users.list(poolId, { limit, filter })).users.map((u) => u.username);
  assert.deepEqual(await usernames({ field: 'email', operator: '=', value: `user${count - 1}@example.com`, folded: true }), [`user${String(count - 1).padStart(5, '0')}`]);
  assert.deepEqual(await usernames({ field: 'preferred_username', operator: '=', value: 'émile', folded: true }), ['user00003']);
  assert.deepEqual(await usernames({ field: 'name', operator: '=', value: 'nul\u0000here' }), ['user00007']);
  assert.equal((await usernames({ field: 'given_name', operator: '=', value: 'Odd' }, count)).length, Math.floor(count / 2));
}
