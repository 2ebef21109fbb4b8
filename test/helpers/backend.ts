/**
 * Which storage backend the end-to-end tests run on, chosen once for the whole test process by
 * OPENPOOL_TEST_BACKEND (sqlite, the default, or postgres), and a fresh database on it. `npm test`
 * runs the end-to-end suites once per backend (test/run-suites.ts), so a test written against this
 * helper proves its behaviour on both without naming either.
 */
import { join } from 'node:path';
import { openPostgres } from '../../src/storage/postgres/open.js';
import { openSqlite } from '../../src/storage/sqlite/open.js';
import type { Storage } from '../../src/storage/storage.js';
import { snapshotDatabase, snapshotPostgres, type DatabaseSnapshot } from './database.js';
import { createTestDatabase } from './postgres.js';

export type Backend = 'sqlite' | 'postgres';

function backendFromEnv(): Backend {
  const value = process.env.OPENPOOL_TEST_BACKEND || 'sqlite';
  // A typo must not quietly run everything on SQLite and report the PostgreSQL pass as passed.
  if (value !== 'sqlite' && value !== 'postgres') throw new Error(`OPENPOOL_TEST_BACKEND must be sqlite or postgres, not ${value}`);
  return value;
}

export const TEST_BACKEND: Backend = backendFromEnv();

/** PostgreSQL has no folder beside the database for a key file, so every instance is given this one. */
export const TEST_SECRET_KEY = 'an-openpool-test-master-key-of-at-least-32-chars';

export interface BackendDatabase {
  backend: Backend;
  /** What a server or a CLI process needs to use this database: DATABASE_URL, and OPENPOOL_SECRET_KEY on PostgreSQL. */
  env: Record<string, string>;
  /** A storage of its own on the same database, to read what the server committed. Close it after use. */
  open(): Promise<Storage>;
  /** Every table's rows (see database.ts), read through a separate connection. */
  snapshot(): Promise<DatabaseSnapshot>;
  /** Drops a PostgreSQL database this helper created (a SQLite file goes with its folder). */
  drop(): Promise<void>;
}

/**
 * A database for one server: on SQLite the file `openpool.db` in `dir` (the master key file goes
 * beside it, as in production), on PostgreSQL a database of its own, created here.
 */
export async function createBackendDatabase(dir: string, backend: Backend = TEST_BACKEND): Promise<BackendDatabase> {
  if (backend === 'sqlite') return existingDatabase({ DATABASE_URL: `sqlite:${join(dir, 'openpool.db')}` });
  const database = await createTestDatabase();
  return { ...existingDatabase({ DATABASE_URL: database.url, OPENPOOL_SECRET_KEY: TEST_SECRET_KEY }), drop: () => database.drop() };
}

/** A handle on a database someone else owns (drop does nothing). */
export function existingDatabase(env: { DATABASE_URL: string; OPENPOOL_SECRET_KEY?: string }): BackendDatabase {
  const url = env.DATABASE_URL;
  const sqliteFile = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return {
    backend: sqliteFile === undefined ? 'postgres' : 'sqlite',
    env: clean,
    open: () => (sqliteFile === undefined ? openPostgres(url, { maxConnections: 2, connectTimeoutMs: 0 }) : Promise.resolve(openSqlite(sqliteFile))),
    snapshot: async () => (sqliteFile === undefined ? snapshotPostgres(url) : snapshotDatabase(sqliteFile)),
    drop: async () => {},
  };
}
