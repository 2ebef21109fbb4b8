/**
 * `openpool migrate-data`: every row of a SQLite OpenPool database copied into an empty PostgreSQL
 * one. Generic over the tables: they are read from the SQLite schema, and the schema-parity test
 * keeps both backends' tables and columns the same, so a table a later migration adds is copied
 * with no change here.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationsDir } from '../config/paths.js';
import { pendingMigrations, readMigrations } from './migration-files.js';
import { inTransaction } from './postgres/db.js';
import { migratePostgres } from './postgres/migrate.js';
import { describeTarget, reasonOf } from './postgres/open.js';
import { DataMigrationError, StorageUnavailableError } from './storage.js';

export interface TableCopy {
  table: string;
  rows: number;
}

export interface DataMigration {
  /** The migration both databases are at, e.g. 8. */
  version: number;
  /** In the order they were copied (referenced tables first). */
  tables: TableCopy[];
  elapsedMs: number;
}

/** A SQLite OpenPool database opened read-only, checked to be at this OpenPool's migration. */
export interface SqliteSource {
  file: string;
  version: number;
  /** One value sealed with the master key (a private signing key or client secret), to tell which key seals the data; absent when nothing is sealed yet. */
  sealedSample?: string;
  close(): void;
}

const BOOKKEEPING = 'schema_migrations';
/** Bound parameters per statement: PostgreSQL takes at most 65535. */
const MAX_PARAMETERS = 60_000;
const ROWS_PER_BATCH = 500;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const label = (version: number) => String(version).padStart(4, '0');

/** Tables in an order where every table comes after those it references; otherwise in creation (migration) order. */
function dependencyOrder(db: Database.Database): string[] {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY rowid`)
    .pluck().all(BOOKKEEPING) as string[];
  const references = new Map(tables.map((t) => [t, new Set(
    (db.prepare(`SELECT "table" FROM pragma_foreign_key_list(?)`).pluck().all(t) as string[]).filter((r) => r !== t),
  )]));
  const ordered: string[] = [];
  while (ordered.length < tables.length) {
    const next = tables.find((t) => !ordered.includes(t) && [...references.get(t)!].every((r) => ordered.includes(r) || !references.has(r)));
    if (!next) throw new DataMigrationError(`the tables of the SQLite database reference each other in a cycle: ${tables.filter((t) => !ordered.includes(t)).join(', ')}`);
    ordered.push(next);
  }
  return ordered;
}

export function openSqliteSource(file: string): SqliteSource {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new DataMigrationError(`cannot open ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const hasBookkeeping = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(BOOKKEEPING);
    if (!hasBookkeeping) throw new DataMigrationError(`${file} is not an OpenPool database (it has no ${BOOKKEEPING} table)`);
    const applied = db.prepare(`SELECT version FROM ${BOOKKEEPING} ORDER BY version`).pluck().all() as number[];
    const known = readMigrations(migrationsDir('sqlite'));
    const unknown = applied.filter((v) => !known.some((m) => m.version === v));
    if (unknown.length > 0) {
      throw new DataMigrationError(`${file} was migrated by a newer OpenPool (migration ${unknown.map(label).join(', ')} is unknown to this one); `
        + 'run migrate-data from that version of OpenPool');
    }
    const pending = pendingMigrations(known, applied);
    if (pending.length > 0) {
      throw new DataMigrationError(`${file} is not at this OpenPool's migration (it lacks ${pending.join(', ')}): `
        + 'start this version of OpenPool on it once (it applies its migrations at startup), stop it, then run migrate-data again');
    }
    const sealedSample = (db.prepare('SELECT private_jwk_sealed FROM signing_keys LIMIT 1').pluck().get()
      ?? db.prepare('SELECT secret_sealed FROM clients WHERE secret_sealed IS NOT NULL LIMIT 1').pluck().get()) as string | undefined;
    return { file, version: Math.max(0, ...applied), sealedSample, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

async function appliedVersions(client: pg.Pool | pg.PoolClient): Promise<number[]> {
  const exists = await client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`, [BOOKKEEPING]);
  if (!exists.rowCount) return [];
  return (await client.query<{ version: number }>(`SELECT version FROM ${BOOKKEEPING} ORDER BY version`)).rows.map((r) => Number(r.version));
}

/**
 * Copies every table of `source` into the PostgreSQL database at `url` in one transaction:
 * all of it or, on any failure, nothing. The target gets this OpenPool's migrations first (as a
 * server start would) and must then hold no OpenPool data at all. Values are copied as stored,
 * sealed ones included, so the target needs the same master key.
 */
export async function copyToPostgres(source: SqliteSource, url: string, options: { connectTimeoutMs?: number } = {}): Promise<DataMigration> {
  const started = Date.now();
  const target = describeTarget(url);
  const pool = new pg.Pool({
    connectionString: url, max: 1, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, application_name: 'openpool migrate-data',
  });
  // Without a listener an idle connection's error would crash the command.
  pool.on('error', () => {});
  const db = new Database(source.file, { readonly: true, fileMustExist: true });
  try {
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      throw new StorageUnavailableError(`PostgreSQL at ${target} cannot be used: ${reasonOf(error)}`, { cause: error });
    }
    const known = readMigrations(migrationsDir('postgres'));
    const newer = (await appliedVersions(pool)).filter((v) => !known.some((m) => m.version === v));
    if (newer.length > 0) {
      throw new DataMigrationError(`PostgreSQL at ${target} was migrated by a newer OpenPool (migration ${newer.map(label).join(', ')} is unknown to this one); nothing was copied`);
    }
    await migratePostgres(pool, migrationsDir('postgres'));
    const targetVersions = await appliedVersions(pool);
    const targetVersion = Math.max(0, ...targetVersions);
    if (targetVersion !== source.version || pendingMigrations(known, targetVersions).length > 0) {
      throw new DataMigrationError(`PostgreSQL at ${target} is at migration ${label(targetVersion)}, ${source.file} at ${label(source.version)}; nothing was copied`);
    }

    const tables = dependencyOrder(db);
    const columns = new Map(tables.map((t) => [t, (db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(t) as string[])]));
    const targetColumns = await pool.query<{ table_name: string; column_name: string; is_identity: string }>(`SELECT table_name, column_name, is_identity
      FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`);
    const identity = new Map<string, string[]>();
    for (const table of tables) {
      const have = targetColumns.rows.filter((r) => r.table_name === table);
      const want = columns.get(table)!;
      const missing = want.filter((c) => !have.some((h) => h.column_name === c));
      if (have.length === 0 || missing.length > 0) {
        throw new DataMigrationError(`PostgreSQL at ${target} has no ${have.length === 0 ? `table ${table}` : `column ${missing.map((c) => `${table}.${c}`).join(', ')}`}; nothing was copied`);
      }
      identity.set(table, have.filter((h) => h.is_identity === 'YES').map((h) => h.column_name));
    }

    const copied = await inTransaction(pool, async (client) => {
      // A large copy must not be cut off by a statement timeout a server role may carry.
      await client.query('SET LOCAL statement_timeout = 0');
      // Instances started on the target meanwhile wait at their first write (e.g. seeding the
      // example pool) instead of mixing rows into a half-copied database, and the check for
      // emptiness below stays true until COMMIT.
      await client.query(`LOCK TABLE ${tables.map(quote).join(', ')} IN EXCLUSIVE MODE`);
      const occupied: string[] = [];
      for (const table of tables) {
        const n = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quote(table)}`);
        if (n.rows[0]!.n > 0) occupied.push(`${table}: ${n.rows[0]!.n}`);
      }
      if (occupied.length > 0) {
        throw new DataMigrationError(`PostgreSQL at ${target} already holds OpenPool data (${occupied.join(', ')} rows); migrate-data only fills an empty database, `
          + 'so nothing was copied. Point --to at a new database (CREATE DATABASE; OpenPool makes the tables), or drop and recreate this one');
      }

      // One read transaction on the source: a consistent snapshot even if something writes to the file meanwhile.
      db.exec('BEGIN');
      try {
        const result: TableCopy[] = [];
        for (const table of tables) {
          const names = columns.get(table)!;
          const overriding = identity.get(table)!.length > 0 ? ' OVERRIDING SYSTEM VALUE' : '';
          const batchRows = Math.max(1, Math.min(ROWS_PER_BATCH, Math.floor(MAX_PARAMETERS / names.length)));
          const insert = (rows: unknown[][]) => {
            const values = rows.map((_, r) => `(${names.map((__, c) => `$${r * names.length + c + 1}`).join(', ')})`).join(', ');
            return client.query(`INSERT INTO ${quote(table)} (${names.map(quote).join(', ')})${overriding} VALUES ${values}`, rows.flat());
          };
          let count = 0;
          let batch: unknown[][] = [];
          try {
            for (const row of db.prepare(`SELECT ${names.map(quote).join(', ')} FROM ${quote(table)}`).raw().iterate() as IterableIterator<unknown[]>) {
              batch.push(row);
              if (batch.length === batchRows) {
                await insert(batch);
                count += batch.length;
                batch = [];
              }
            }
            if (batch.length > 0) await insert(batch);
            count += batch.length;
          } catch (error) {
            throw new DataMigrationError(`copying ${table} failed, so nothing was copied: ${reasonOf(error)}`, { cause: error });
          }
          // The next generated value must follow the copied ones, or the next insert collides.
          for (const column of identity.get(table)!) {
            await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${quote(column)}) FROM ${quote(table)}), 1),
              (SELECT max(${quote(column)}) FROM ${quote(table)}) IS NOT NULL)`, [quote(table), column]);
          }
          result.push({ table, rows: count });
        }
        return result;
      } finally {
        db.exec('ROLLBACK');
      }
    });
    return { version: source.version, tables: copied, elapsedMs: Date.now() - started };
  } finally {
    db.close();
    await pool.end().catch(() => {});
  }
}
