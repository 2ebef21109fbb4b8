import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrationsDir } from '../../src/config/paths.js';
import { readMigrations } from '../../src/storage/migration-files.js';
import { migratePostgres } from '../../src/storage/postgres/migrate.js';
import { openPostgres } from '../../src/storage/postgres/open.js';
import { userPageQuery } from '../../src/storage/postgres/directory-stores.js';
import { StorageUnavailableError } from '../../src/storage/storage.js';
import { planUserFilter } from '../../src/storage/user-list.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import {
  authorizationCodeRecord, clientRecord, emptyPlan, familyRecord, plain, poolRecord, refreshRecord, seedUser, T0, userRecord,
} from './builders.js';
import { runStorageConformance } from './conformance.js';
import { FILTER_INDEX_CASES } from './filter-index-cases.js';
import { checkLegacyUsers, legacyUserRows } from './conformance-list-filter.js';

// One database for the file; each conformance test empties it, so tests stay independent
// without migrating a new database for each.
let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { await db?.drop(); });

runStorageConformance('postgres', async () => {
  await db.truncate();
  return openPostgres(db.url, { connectTimeoutMs: 0 });
});

describe('postgres: two storages on one database (as two instances)', () => {
  it('single-use things stay single-use when the racers hold separate connection pools', async () => {
    await db.truncate();
    const a = await openPostgres(db.url, { connectTimeoutMs: 0, maxConnections: 5 });
    const b = await openPostgres(db.url, { connectTimeoutMs: 0, maxConnections: 5 });
    try {
      const { pool, user } = await seedUser(a);
      const both = <T>(fn: (s: typeof a) => Promise<T>) => Promise.all([a, b, a, b, a, b].map(fn));

      await a.authorizationCodes.create(authorizationCodeRecord('ac-x', pool.id, user.id));
      const redeemed = await both((s) => s.authorizationCodes.consume('ac-x', T0));
      assert.equal(redeemed.filter((r) => r.status === 'ok').length, 1);

      await a.codes.put({ poolId: pool.id, userId: user.id, purpose: 'signup', codeHash: 'h', expiresAt: T0 + 60_000, attempts: 0, createdAt: T0 });
      const confirmed = await both((s) => s.codes.consume(pool.id, user.id, 'signup', 'h', T0, 5));
      assert.equal(confirmed.filter((r) => r.status === 'ok').length, 1);

      const fam = familyRecord('fam-x', pool.id, user.id);
      await a.tokens.createFamily(fam);
      await a.tokens.createRefreshToken(refreshRecord('rt-x', fam));
      let n = 0;
      const rotated = await both((s) => s.tokens.rotateRefreshToken('rt-x', refreshRecord(`rt-x-${n++}`, fam), T0));
      assert.equal(rotated.filter(Boolean).length, 1);

      assert.equal((await both((s) => s.challengeUses.consume('ch-x', T0 + 60_000, T0))).filter(Boolean).length, 1);
      await a.mfa.update(pool.id, user.id, (m) => ({ ...m, totpEnabled: true, totpLastStep: 7 }));
      assert.equal((await both((s) => s.mfa.useTotpStep(pool.id, user.id, 8))).filter(Boolean).length, 1);

      const failures = await both((s) => s.lockout.recordFailure(pool.id, user.id, (cur) => ({
        poolId: pool.id, userId: user.id, failures: (cur?.failures ?? 0) + 1, lastFailureAt: T0, lockedUntil: 0,
      })));
      assert.deepEqual(failures.map((f) => f.failures).sort(), [1, 2, 3, 4, 5, 6]);

      const hits = await both((s) => s.rateLimits.hit('rl-x', 60_000, T0));
      assert.deepEqual(hits.map((h) => h.count).sort(), [1, 2, 3, 4, 5, 6], 'one budget across instances');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('config applies racing from two storages both succeed and write each user once', async () => {
    await db.truncate();
    const a = await openPostgres(db.url, { connectTimeoutMs: 0 });
    const b = await openPostgres(db.url, { connectTimeoutMs: 0 });
    try {
      const pool = poolRecord('us-east-1_Race1');
      const plan = (username: string) => ({
        ...emptyPlan(), pools: [pool], clients: [clientRecord('race-client', pool.id)],
        users: [{ user: userRecord(pool.id, username), usernameKey: username, aliases: [], groups: [] }],
      });
      await Promise.all([a.applyConfig(plan('ada')), b.applyConfig(plan('ada')), a.applyConfig(plan('ada')), b.applyConfig(plan('ada'))]);
      assert.equal(await a.users.count(pool.id), 1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('postgres: migrations, persistence and readiness', () => {
  const migrations = readMigrations(migrationsDir('postgres'));

  it('has the same migration files as SQLite, by number and name', () => {
    assert.deepEqual(migrations.map((m) => `${m.version}_${m.name}`), readMigrations(migrationsDir('sqlite')).map((m) => `${m.version}_${m.name}`));
  });

  it('several instances migrating a new database at once apply each migration exactly once', async () => {
    const fresh = await createTestDatabase();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: fresh.url, max: 2 }));
    // pool.end() resolves before its sockets close; dropping the database then ends them with an error.
    for (const p of pools) p.on('error', () => {});
    try {
      const applied = await Promise.all(pools.map((p) => migratePostgres(p, migrationsDir('postgres'))));
      assert.deepEqual(applied.flat().sort((a, b) => a - b), migrations.map((m) => m.version));
      assert.deepEqual(await migratePostgres(pools[0]!, migrationsDir('postgres')), []);
      const rows = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.rows.map((r) => r.version), migrations.map((m) => m.version));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await fresh.drop();
    }
  });

  it('keeps data across reopening, parses BIGINT times as numbers, and is ready', async () => {
    await db.truncate();
    const pool = poolRecord('us-east-1_Persist1');
    const client = clientRecord('persisted', pool.id, 'web', 'sealed');
    const user = userRecord(pool.id, 'alice');
    const first = await openPostgres(db.url, { connectTimeoutMs: 0 });
    try {
      await first.applyConfig({ ...emptyPlan(), pools: [pool], clients: [client] });
      await first.users.create(user, 'alice', [{ attribute: 'email', key: 'alice@example.com' }]);
      assert.deepEqual(await first.ready(), { ready: true });
    } finally {
      await first.close();
    }
    const again = await openPostgres(db.url, { connectTimeoutMs: 0 });
    try {
      assert.deepEqual(plain(await again.pools.get(pool.id)), plain(pool));
      assert.equal(typeof (await again.users.get(pool.id, user.id))?.createdAt, 'number');
      assert.equal(await again.users.count(pool.id), 1);
    } finally {
      await again.close();
    }
  });

  it('is not ready while a migration file is not applied, and names it', async () => {
    await db.truncate();
    const storage = await openPostgres(db.url, { connectTimeoutMs: 0 });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const last = migrations[migrations.length - 1]!;
    try {
      await admin.query('DELETE FROM schema_migrations WHERE version = $1', [last.version]);
      const state = await storage.ready();
      assert.equal(state.ready, false);
      if (!state.ready) assert.match(state.reason, new RegExp(`${last.name}`));
    } finally {
      await admin.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [last.version, last.name, Date.now()]);
      await admin.end();
      await storage.close();
    }
  });

  it('an unreachable server is retried with growing waits until the connect budget is spent, then named without its password', async () => {
    const started = Date.now();
    const waits: number[] = [];
    await assert.rejects(openPostgres('postgres://openpool:s3cret-pw@127.0.0.1:1/openpool', {
      connectTimeoutMs: 800, onRetry: ({ delayMs }) => waits.push(delayMs),
    }), (error: unknown) => {
      assert.ok(error instanceof StorageUnavailableError, String(error));
      assert.match(error.message, /127\.0\.0\.1:1\/openpool did not answer within 1 s \(\d+ attempts\)/);
      assert.match(error.message, /ECONNREFUSED/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
    assert.ok(Date.now() - started >= 800, 'kept trying for the whole budget');
    assert.ok(waits.length >= 2, `retried: ${waits.join(', ')}`);
    assert.deepEqual(waits.slice(0, 2), [100, 200], 'exponential backoff');
    assert.ok(waits.reduce((a, b) => a + b, 0) <= 800, 'the waits fit the budget');
  });

  it('a database that does not exist is refused at once, not retried', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/openpool_test_does_not_exist';
    let retries = 0;
    await assert.rejects(openPostgres(missing.toString(), { connectTimeoutMs: 10_000, onRetry: () => { retries++; } }), (error: unknown) =>
      error instanceof StorageUnavailableError && /refused OpenPool: .*3D000/.test(error.message));
    assert.equal(retries, 0);
  });
});

describe('postgres: filtered user lists', () => {
  it('each filter reads its index (EXPLAIN on 5,000 analysed users)', async () => {
    const fresh = await createTestDatabase();
    const storage = await openPostgres(fresh.url, { connectTimeoutMs: 0 });
    await storage.close();
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      const pool = poolRecord('us-east-1_Plan');
      await client.query('INSERT INTO user_pools (id, name, settings, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)', [pool.id, pool.name, JSON.stringify(pool.settings)]);
      await client.query(`INSERT INTO users (id, pool_id, username, username_key, status, enabled, password_hash, attributes, created_at, updated_at,
          password_updated_at, filter_email_folded, filter_given_name, filter_family_name)
        SELECT 'id-' || i, $1, 'u' || i, 'u' || i, 'CONFIRMED', 1, NULL, '{}', 0, 0, 0, 'u' || i || '@example.com', 'G' || (i % 50), 'S' || i
        FROM generate_series(1, 5000) AS i`, [pool.id]);
      await client.query('ANALYZE users');
      const cases = FILTER_INDEX_CASES;
      for (const [filter, index] of cases) {
        const query = userPageQuery(planUserFilter(filter));
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.sql}`, query.params(pool.id, '', 61))).rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.match(plan, new RegExp(`(Index|Index Only|Bitmap Index) Scan (using|on) ${index} `), `${JSON.stringify(filter)}:\n${plan}`);
        assert.doesNotMatch(plan, /Seq Scan/, `${JSON.stringify(filter)}:\n${plan}`);
      }
    } finally {
      await client.end();
      await fresh.drop();
    }
  });

  it('migration 0009 fills the filter columns of users stored before it', async () => {
    const fresh = await createTestDatabase();
    const older = mkdtempSync(join(tmpdir(), 'openpool-pg-migrations-'));
    for (const f of readdirSync(migrationsDir('postgres')).filter((name) => Number(name.slice(0, 4)) < 9)) copyFileSync(join(migrationsDir('postgres'), f), join(older, f));
    const raw = new pg.Pool({ connectionString: fresh.url, max: 1 });
    raw.on('error', () => {});
    const pool = poolRecord('us-east-1_Legacy1');
    const count = 2500;
    try {
      assert.deepEqual(await migratePostgres(raw, older), [1, 2, 3, 4, 5, 6, 7, 8]);
      await raw.query('INSERT INTO user_pools (id, name, settings, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)', [pool.id, pool.name, JSON.stringify(pool.settings)]);
      const rows = legacyUserRows(pool.id, count);
      for (let i = 0; i < rows.length; i += 500) {
        const batch = rows.slice(i, i + 500);
        await raw.query(`INSERT INTO users VALUES ${batch.map((_, r) => `(${Array.from({ length: 11 }, (_, c) => `$${r * 11 + c + 1}`).join(', ')})`).join(', ')}`, batch.flat());
      }
    } finally {
      await raw.end();
      rmSync(older, { recursive: true, force: true });
    }
    const storage = await openPostgres(fresh.url, { connectTimeoutMs: 0 });
    try {
      await checkLegacyUsers(storage, pool.id, count);
    } finally {
      await storage.close();
      await fresh.drop();
    }
  });
});
