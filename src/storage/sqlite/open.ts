import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrationsDir } from '../../config/paths.js';
import type { Storage } from '../storage.js';
import { createAuditStore } from './audit-store.js';
import { createAuthStores } from './auth-stores.js';
import { createDirectoryStores } from './directory-stores.js';
import { createMfaStores } from './mfa-stores.js';
import { createRateLimitStore } from './rate-limit-store.js';
import { pendingMigrations, readMigrations } from '../migration-files.js';
import { migrateSqlite } from './migrate.js';

/** Opens (creating folder and file as needed) and migrates a SQLite database. `:memory:` works too. */
export function openSqlite(file: string): Storage {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateSqlite(db, migrationsDir('sqlite'));
  const migrations = readMigrations(migrationsDir('sqlite'));
  const appliedVersions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations');

  const directory = createDirectoryStores(db);
  const auth = createAuthStores(db);
  const mfa = createMfaStores(db);
  const meta = {
    get: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    set: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
  };
  const sections = new Map<string, Promise<unknown>>();
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
    srpVerifiers: auth.srpVerifiers,
    lockout: auth.lockout,
    mfa: mfa.mfa,
    challengeUses: mfa.challengeUses,
    rateLimits: createRateLimitStore(db),
    authEvents: createAuditStore(db),
    async applyConfig(plan) { directory.applyConfig(plan); },
    exclusive(name, work) {
      const run = (sections.get(name) ?? Promise.resolve()).then(work, work);
      sections.set(name, run.catch(() => undefined));
      return run;
    },
    async getMeta(key) { return meta.get.get(key)?.value; },
    async setMeta(key, value) { meta.set.run(key, value); },
    async ready() {
      try {
        const pending = pendingMigrations(migrations, appliedVersions.all().map((r) => r.version));
        return pending.length === 0 ? { ready: true } : { ready: false, reason: `migrations not applied: ${pending.join(', ')}` };
      } catch (error) {
        return { ready: false, reason: `database unavailable (${(error as { code?: string }).code ?? 'error'})` };
      }
    },
    async close() { db.close(); },
  };
}
