import Database from 'better-sqlite3';
import pg from 'pg';

/** Every table's rows, as sorted JSON lines, keyed by table name. */

/**
 * Left out of snapshots: the per-address request counters (PostgreSQL's shared rate limit) count
 * every limited request, refused or not, so they change by design; "stored nothing" is about data.
 */
const COUNTER_TABLES = new Set(['rate_limits']);

export type DatabaseSnapshot = Map<string, string[]>;

const cell = (value: unknown) => (Buffer.isBuffer(value) ? `hex:${value.toString('hex')}` : value);

/**
 * Reads every table of the SQLite file through a separate read-only connection, so the test sees
 * what is committed, not what the server holds in memory. Tables come from sqlite_master, so a
 * table added by a later migration is compared too.
 */
export function snapshotDatabase(file: string): DatabaseSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[])
      .filter((t) => !COUNTER_TABLES.has(t));
    const snapshot: DatabaseSnapshot = new Map();
    for (const table of tables) {
      const rows = db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"`).raw().all() as unknown[][];
      snapshot.set(table, rows.map((row) => JSON.stringify(row.map(cell))).sort());
    }
    return snapshot;
  } finally {
    db.close();
  }
}

/**
 * The same for a PostgreSQL database: every table of the public schema, columns in their declared
 * order (which the schema-parity test keeps equal to SQLite's), read over a connection of its own.
 */
export async function snapshotPostgres(url: string): Promise<DatabaseSnapshot> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    const tables = (await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename COLLATE "C"`)).rows.map((r) => r.tablename)
      .filter((t) => !COUNTER_TABLES.has(t));
    const snapshot: DatabaseSnapshot = new Map();
    for (const table of tables) {
      const rows = await client.query<unknown[]>({ text: `SELECT * FROM "${table.replace(/"/g, '""')}"`, rowMode: 'array' });
      snapshot.set(table, rows.rows.map((row) => JSON.stringify(row.map(cell))).sort());
    }
    return snapshot;
  } finally {
    await client.end().catch(() => {});
  }
}

/** What changed between two snapshots, table by table (empty when nothing did). */
export function snapshotDiff(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = new Set(before.get(table) ?? []);
    const b = new Set(after.get(table) ?? []);
    if (!before.has(table) || !after.has(table)) {
      out.push(`${table}: table ${before.has(table) ? 'dropped' : 'created'}`);
      continue;
    }
    const removed = [...a].filter((r) => !b.has(r));
    const added = [...b].filter((r) => !a.has(r));
    if (removed.length + added.length === 0 && (before.get(table)!.length === after.get(table)!.length)) continue;
    out.push(`${table}: ${removed.length} row(s) gone or changed, ${added.length} new or changed`
      + [...removed.slice(0, 3).map((r) => `\n  - ${r.slice(0, 300)}`), ...added.slice(0, 3).map((r) => `\n  + ${r.slice(0, 300)}`)].join(''));
  }
  return out;
}

/** SQLite's own check of the file: 'ok' or the list of problems. */
export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('\n');
  } finally {
    db.close();
  }
}
