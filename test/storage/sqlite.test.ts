import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrationsDir } from '../../src/config/paths.js';
import { migrateSqlite, readMigrations } from '../../src/storage/sqlite/migrate.js';
import { openSqlite } from '../../src/storage/sqlite/open.js';
import { userPageQuery } from '../../src/storage/sqlite/directory-stores.js';
import type { UserListFilter } from '../../src/storage/storage.js';
import { planUserFilter } from '../../src/storage/user-list.js';
import { clientRecord, emptyPlan, plain, poolRecord, userRecord } from './builders.js';
import { FILTER_INDEX_CASES } from './filter-index-cases.js';
import { runStorageConformance } from './conformance.js';
import { checkLegacyUsers, legacyUserRows } from './conformance-list-filter.js';

const dir = mkdtempSync(join(tmpdir(), 'openpool-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runStorageConformance('sqlite :memory:', () => openSqlite(':memory:'));
runStorageConformance('sqlite file', () => openSqlite(join(dir, `conformance-${++files}.db`)));

describe('sqlite file: persistence and migrations', () => {
  const migrations = readMigrations(migrationsDir('sqlite'));

  it('creates missing folders, and reopening the file keeps the data', async () => {
    const file = join(dir, 'nested', 'deeper', 'openpool.db');
    const pool = poolRecord('us-east-1_Persist1');
    const client = clientRecord('persisted', pool.id, 'web', 'sealed');
    const user = userRecord(pool.id, 'alice');
    const first = openSqlite(file);
    await first.applyConfig({ ...emptyPlan(), pools: [pool], clients: [client] });
    await first.users.create(user, 'alice', [{ attribute: 'email', key: 'alice@example.com' }]);
    await first.setMeta('example_seeded', '2024-01-01');
    await first.close();
    assert.ok(existsSync(file));

    const again = openSqlite(file);
    try {
      assert.deepEqual(plain(await again.pools.get(pool.id)), plain(pool));
      assert.deepEqual(plain(await again.clients.get(client.id)), plain(client));
      assert.equal((await again.users.findByAlias(pool.id, 'email', 'alice@example.com'))?.id, user.id);
      assert.equal(await again.getMeta('example_seeded'), '2024-01-01');
    } finally {
      await again.close();
    }
  });

  it('applies every migration once on a new file, and re-running them is a no-op', async () => {
    assert.ok(migrations.length > 0);
    const file = join(dir, 'migrations.db');
    const fresh = new Database(file);
    try {
      assert.deepEqual(migrateSqlite(fresh, migrationsDir('sqlite')), migrations.map((m) => m.version));
      assert.deepEqual(migrateSqlite(fresh, migrationsDir('sqlite')), []);
    } finally {
      fresh.close();
    }
    // openSqlite on an already-migrated file must neither fail nor apply anything again.
    const storage = openSqlite(file);
    await storage.setMeta('k', 'v');
    await storage.close();
    const db = new Database(file);
    try {
      assert.deepEqual(migrateSqlite(db, migrationsDir('sqlite')), []);
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
      assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
      assert.equal((db.prepare('SELECT value FROM meta WHERE key = ?').get('k') as { value: string }).value, 'v');
    } finally {
      db.close();
    }
  });
});

describe('sqlite: filtered user lists', () => {
  // Each filter, and the index its query must read (never the whole table).
  // SQLite is told which index to use, so even filters matching every user must name theirs.
  const cases: [UserListFilter, string][] = [
    ...FILTER_INDEX_CASES,
    [{ field: 'email', operator: '^=', value: '' }, 'users_filter_email'],
    [{ field: 'usernameKey', operator: '=', value: 'ann' }, 'users_username'],
  ];
  const planOf = (db: Database.Database, filter: UserListFilter) => {
    const query = userPageQuery(planUserFilter(filter));
    return (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params('us-east-1_Plan', '', 61)) as { detail: string }[])
      .map((row) => row.detail).join('; ');
  };

  it('each filter reads its index (EXPLAIN QUERY PLAN), on an empty table and on an analysed one', () => {
    const db = new Database(':memory:');
    try {
      migrateSqlite(db, migrationsDir('sqlite'));
      const check = () => {
        for (const [filter, index] of cases) {
          const plan = planOf(db, filter);
          assert.match(plan, new RegExp(`USING (COVERING )?INDEX ${index} `), `${JSON.stringify(filter)}: ${plan}`);
          assert.doesNotMatch(plan, /SCAN users/, `${JSON.stringify(filter)}: ${plan}`);
        }
        // Equality on a column whose index ends with username_key needs no sort.
        assert.doesNotMatch(planOf(db, cases[0]![0]), /TEMP B-TREE/);
      };
      check();
      const pool = poolRecord('us-east-1_Plan');
      db.prepare('INSERT INTO user_pools (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, 0, 0)').run(pool.id, pool.name, JSON.stringify(pool.settings));
      const insert = db.prepare(`INSERT INTO users (id, pool_id, username, username_key, status, enabled, password_hash, attributes, created_at, updated_at,
        password_updated_at, filter_email_folded, filter_given_name, filter_family_name) VALUES (?, ?, ?, ?, 'CONFIRMED', 1, NULL, '{}', 0, 0, 0, ?, ?, ?)`);
      db.transaction(() => {
        for (let i = 0; i < 5000; i++) insert.run(`id-${i}`, pool.id, `u${i}`, `u${i}`, `u${i}@example.com`, `G${i % 50}`, `S${i}`);
      })();
      db.exec('ANALYZE');
      check();
    } finally {
      db.close();
    }
  });

  it('migration 0009 fills the filter columns of users stored before it', async () => {
    const older = join(dir, 'migrations-before-0009');
    mkdirSync(older);
    for (const f of readdirSync(migrationsDir('sqlite')).filter((name) => Number(name.slice(0, 4)) < 9)) copyFileSync(join(migrationsDir('sqlite'), f), join(older, f));
    const file = join(dir, 'before-0009.db');
    const raw = new Database(file);
    const pool = poolRecord('us-east-1_Legacy1');
    const count = 2500;
    try {
      assert.deepEqual(migrateSqlite(raw, older), [1, 2, 3, 4, 5, 6, 7, 8]);
      raw.prepare('INSERT INTO user_pools (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, 0, 0)').run(pool.id, pool.name, JSON.stringify(pool.settings));
      const insert = raw.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      raw.transaction(() => { for (const row of legacyUserRows(pool.id, count)) insert.run(...row); })();
    } finally {
      raw.close();
    }
    const storage = openSqlite(file);
    try {
      await checkLegacyUsers(storage, pool.id, count);
    } finally {
      await storage.close();
    }
  });
});
