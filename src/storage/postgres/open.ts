import pg from 'pg';
import { migrationsDir } from '../../config/paths.js';
import { pendingMigrations, readMigrations } from '../migration-files.js';
import type { Storage } from '../storage.js';
import { waitUntilReachable } from '../wait-until-reachable.js';
import { createAuditStore } from './audit-store.js';
import { createAuthStores } from './auth-stores.js';
import { createDirectoryStores } from './directory-stores.js';
import { exclusiveSection } from './db.js';
import { createMfaStores } from './mfa-stores.js';
import { createRateLimitStore } from './rate-limit-store.js';
import { migratePostgres } from './migrate.js';

export interface PostgresOptions {
  /** Connections per process (default 10): several instances share the server's max_connections. */
  maxConnections?: number;
  /** How long opening keeps retrying a database that is not reachable yet (default 30 s); 0 tries once. */
  connectTimeoutMs?: number;
  /** Per statement, set on every connection (default 5 s), so a stuck query fails a request instead of hanging it. */
  statementTimeoutMs?: number;
  /** Told about each failed attempt before the next one, e.g. for a log line. */
  onRetry?: (retry: { attempt: number; delayMs: number; reason: string }) => void;
  /** An idle connection broke (server restart, network); the pool opens a new one when needed. */
  onIdleError?: (error: Error) => void;
}

const INT8_OID = 20;

/** Epoch milliseconds and counts are BIGINT; they fit a double, and anything that does not is refused, not rounded. */
function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} does not fit a JavaScript number`);
  return value;
}

/** host:port/database, for messages: never the password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}

export const reasonOf = (error: unknown): string => {
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an
  // AggregateError whose own message is empty.
  const inner = Array.isArray(e?.errors) ? e.errors.map((x: { message?: unknown }) => String(x?.message ?? x)).join('; ') : '';
  const message = typeof e?.message === 'string' && e.message ? e.message : inner || String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
};

// Bad credentials or a missing database do not fix themselves; anything else (refused, DNS, the
// server still starting: 57P03) may, so it is retried.
const isPermanent = (error: unknown): boolean => {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('28') || code === '3D000');
};


/** Waits for the database to answer, with exponential backoff, for at most `budgetMs`. */
function waitForDatabase(config: pg.ClientConfig, url: string, budgetMs: number, onRetry: PostgresOptions['onRetry']): Promise<void> {
  return waitUntilReachable({
    name: `PostgreSQL at ${describeTarget(url)}`, budgetMs, reasonOf, isPermanent, onRetry,
    // A probe of its own, so one attempt never outlives the budget (the pool's timeout is fixed).
    async attempt(timeoutMs) {
      const probe = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.query('SELECT 1');
      } finally {
        await probe.end().catch(() => {});
      }
    },
  });
}

/**
 * Connects (retrying while the database is not reachable yet), migrates and opens PostgreSQL.
 * `url` is a libpq-style connection string: postgres://user:password@host:port/database?sslmode=…
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Storage> {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, parseBigint);
  const config: pg.PoolConfig = {
    connectionString: url,
    types,
    application_name: 'openpool',
    max: options.maxConnections ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    statement_timeout: options.statementTimeoutMs ?? 5_000,
    // A transaction left open by a bug or a stalled process must not hold its row locks for long.
    idle_in_transaction_session_timeout: 30_000,
  };
  await waitForDatabase(config, url, options.connectTimeoutMs ?? 30_000, options.onRetry);

  const pool = new pg.Pool(config);
  // Without a listener an idle connection's error (e.g. the server restarting) would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    await migratePostgres(pool, migrationsDir('postgres'));
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const migrations = readMigrations(migrationsDir('postgres'));
  // Rate-limit counts are written on every limited request and worth nothing after a crash (a
  // window lasts a minute), so their commits do not wait for the WAL to reach the disk: a few
  // connections of their own with synchronous_commit off. Everything else stays durable.
  // Measured on one instance: client_credentials +19%, refresh_token +36% with it off everywhere.
  const counters = new pg.Pool({ ...config, max: 4, options: '-c synchronous_commit=off' });
  counters.on('error', (error) => options.onIdleError?.(error));

  const directory = createDirectoryStores(pool);
  const auth = createAuthStores(pool);
  const mfa = createMfaStores(pool);
  return {
    pools: directory.pools,
    clients: directory.clients,
    users: directory.users,
    groups: directory.groups,
    resourceServers: directory.resourceServers,
    codes: auth.codes,
    authorizationCodes: auth.authorizationCodes,
    sessions: auth.sessions,
    tokens: auth.tokens,
    signingKeys: auth.signingKeys,
    authEvents: createAuditStore(pool),
    srpVerifiers: auth.srpVerifiers,
    lockout: auth.lockout,
    mfa: mfa.mfa,
    challengeUses: mfa.challengeUses,
    rateLimits: createRateLimitStore(counters),
    applyConfig: directory.applyConfig,
    exclusive: (name, work) => exclusiveSection(pool, name, work),
    async getMeta(key) {
      return (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
    },
    async setMeta(key, value) {
      await pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    async ready() {
      try {
        const rows = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
        const pending = pendingMigrations(migrations, rows.rows.map((r) => r.version));
        return pending.length === 0 ? { ready: true } : { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
      } catch (error) {
        // Only the error code: the message may name hosts, which a public probe need not learn.
        const code = (error as { code?: unknown })?.code;
        return { ready: false, reason: `database unavailable${typeof code === 'string' ? ` (${code})` : ''}` };
      }
    },
    async close() { await Promise.all([pool.end(), counters.end()]); },
  };
}
