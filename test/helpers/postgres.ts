/**
 * A real PostgreSQL for tests: each caller gets a database of its own, created on the server
 * OPENPOOL_TEST_POSTGRES_URL points at and dropped afterwards. Nothing is ever skipped: without a
 * reachable server the test fails and says how to get one.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.OPENPOOL_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** The new database's URL (same server and credentials as ADMIN_URL). */
  url: string;
  /** Empties every table except the migration bookkeeping, so the next test starts clean without migrating again. */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

const urlFor = (database: string) => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
};

async function admin<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const client = new pg.Client({ connectionString: database ? urlFor(database) : ADMIN_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    const target = new URL(ADMIN_URL);
    target.password = '';
    throw new Error(`PostgreSQL is required for this test and is not reachable at ${target.toString()} (${(error as Error).message || (error as { code?: string }).code}). ` +
      'Start one (.ci/run installs and starts Debian\'s postgresql) or point OPENPOOL_TEST_POSTGRES_URL at a server where this user may CREATE DATABASE.');
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `openpool_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlFor(name),
    async truncate() {
      await admin(async (c) => {
        const tables = await c.query<{ tablename: string }>(
          `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
        if (tables.rows.length > 0) await c.query(`TRUNCATE ${tables.rows.map((t) => `"${t.tablename}"`).join(', ')} CASCADE`);
      }, name);
    },
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
