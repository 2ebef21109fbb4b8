import type Database from 'better-sqlite3';

/** The tables every token request reads and almost nothing writes. */
const MEMO_TABLES = ['user_pools', 'clients'] as const;
/** Pools and clients are few; past this the memo starts over rather than growing. */
const MAX_ENTRIES = 1_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Parsed pool and client rows, kept while nothing can have changed them. Every token request
 * reads its client and pool; the two reads with their JSON parsing were a tenth of the event
 * loop's work for client_credentials.
 *
 * Exact, not timed: the memo is dropped whenever
 * - this connection writes either table: temporary triggers (this connection's own, not part of
 *   the schema) count every insert, update and delete, whatever code path made it, including
 *   cascades and writes later rolled back;
 * - any other connection commits anything: `PRAGMA data_version` changes then (another server
 *   process on the same file, or the `openpool` command).
 * Nothing read inside a transaction is kept, since that transaction may still roll back. What it
 * hands out is frozen, so no caller can change what the next one gets.
 */
export function directoryMemo(db: Database.Database) {
  let localWrites = 0;
  db.function('openpool_directory_written', { deterministic: false }, () => {
    localWrites++;
    return null;
  });
  for (const table of MEMO_TABLES) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS openpool_memo_${table}_${op.toLowerCase()} AFTER ${op} ON main.${table}
        BEGIN SELECT openpool_directory_written(); END`);
    }
  }
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const entries = new Map<string, unknown>();
  let seen = { dataVersion: dataVersion.get(), localWrites };

  return {
    /** `read()`'s answer for `key`, from the memo when nothing can have changed it. */
    get<T extends object>(key: string, read: () => T | undefined): T | undefined {
      const now = { dataVersion: dataVersion.get(), localWrites };
      if (now.dataVersion !== seen.dataVersion || now.localWrites !== seen.localWrites) {
        entries.clear();
        seen = now;
      }
      const known = entries.get(key) as T | undefined;
      if (known) return known;
      const value = read();
      // Unknown ids are not kept, so made-up ids cannot grow the memo.
      if (value === undefined || db.inTransaction) return value;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, deepFreeze(value));
      return value;
    },
  };
}
