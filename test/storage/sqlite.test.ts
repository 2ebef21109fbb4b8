import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrationsDir } from '../../src/config/paths.js';
import { migrateSqlite, readMigrations } from '../../src/storage/sqlite/migrate.js';
import { openSqlite } from '../../src/storage/sqlite/open.js';
import { clientRecord, emptyPlan, plain, poolRecord, userRecord } from './builders.js';
import { runStorageConformance } from './conformance.js';

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
