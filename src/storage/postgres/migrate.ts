import type pg from 'pg';
import { readMigrations } from '../migration-files.js';
import { fromJson } from '../rows.js';
import { FILTER_COLUMNS, filterColumnValues } from '../user-list.js';
import { inTransaction, type Pool } from './db.js';

const BATCH = 1000;

/** 0009: the filter columns of the users stored before them (the stores write them from then on). */
async function fillUserFilterColumns(c: pg.PoolClient) {
  const columns = Object.values(FILTER_COLUMNS);
  // One statement per batch: the new values arrive as one array per column.
  const write = `UPDATE users AS u SET ${columns.map((col) => `${col} = v.${col}`).join(', ')}
    FROM unnest(${['$1::text[]', ...columns.map((_, i) => `$${i + 2}::text[]`)].join(', ')}) AS v(id, ${columns.join(', ')})
    WHERE u.id = v.id`;
  for (let after = ''; ;) {
    const rows = (await c.query<{ id: string; attributes: string }>('SELECT id, attributes FROM users WHERE id > $1 ORDER BY id LIMIT $2', [after, BATCH])).rows;
    const ids: string[] = [];
    const values: (string | null)[][] = columns.map(() => []);
    for (const row of rows) {
      const filled = filterColumnValues(fromJson<Record<string, string>>(row.attributes));
      if (Object.values(filled).every((v) => v === null)) continue;
      ids.push(row.id);
      columns.forEach((col, i) => values[i]!.push(filled[col]));
    }
    if (ids.length > 0) await c.query(write, [ids, ...values]);
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** What a migration needs done that its SQL cannot do, run right after the file in its transaction. */
const DATA_STEPS: Record<number, (c: pg.PoolClient) => Promise<void>> = { 9: fillUserFilterColumns };

/**
 * One lock for every OpenPool instance on a database ('openpool' in ASCII), so instances starting
 * together apply each migration once and the others wait, then see it recorded.
 */
export const MIGRATION_LOCK = '8030029660608753516';

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;

/**
 * Applies pending migrations, each in its own transaction under a transaction-scoped advisory
 * lock (released by COMMIT or ROLLBACK, so a crashed instance never leaves it held). Returns the
 * versions this call applied.
 */
export async function migratePostgres(pool: Pool, dir: string): Promise<number[]> {
  const applied = await inTransaction(pool, async (c) => {
    // Neither a long migration nor another instance's wait for the lock may be cut off.
    await c.query('SET LOCAL statement_timeout = 0');
    await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await c.query(BOOKKEEPING);
    const rows = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
    return new Set(rows.rows.map((r) => r.version));
  });
  const done: number[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    const ran = await inTransaction(pool, async (c) => {
      await c.query('SET LOCAL statement_timeout = 0');
      await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
      const again = await c.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (again.rowCount) return false;
      await c.query(m.sql);
      await DATA_STEPS[m.version]?.(c);
      await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      return true;
    });
    if (ran) done.push(m.version);
  }
  return done;
}
