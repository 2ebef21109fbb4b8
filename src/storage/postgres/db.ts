/** What the PostgreSQL stores share: the pool type, transactions, error codes and value mapping. */
import type pg from 'pg';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Runs `work` in one transaction on one connection. The stores keep every transaction inside a
 * single contract method, so no caller ever holds one open across its own awaits.
 */
export async function inTransaction<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no listener of the pool's: a connection lost between two statements
  // would otherwise be an uncaught 'error' event. The statement in flight fails anyway.
  const onError = (error: Error) => { broken = error; };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is dropped rather than returned to the pool.
    await client.query('ROLLBACK').catch((rollbackError: Error) => { broken = rollbackError; });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** The first row, if any. */
export async function one<R extends object>(db: Queryable, sql: string, params: unknown[]): Promise<R | undefined> {
  return (await db.query<R>(sql, params)).rows[0];
}

const sqlState = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

export { fromJson, optional, toJson } from '../rows.js';
export const nullable = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/**
 * A section that one process at a time runs, across every process sharing the database: a
 * session advisory lock held on one connection for the section's length. The wait for it is not
 * bounded by the statement timeout (another instance may take a while applying a config file).
 */
export async function exclusiveSection<T>(pool: Pool, name: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => { broken = error; };
  client.on('error', onError);
  try {
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`openpool:${name}`]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`openpool:${name}`]).catch((error: Error) => { broken = error; });
    }
  } finally {
    await client.query('RESET statement_timeout').catch((error: Error) => { broken = error; });
    client.off('error', onError);
    // A connection that could not unlock is closed, which releases the lock.
    client.release(broken);
  }
}
