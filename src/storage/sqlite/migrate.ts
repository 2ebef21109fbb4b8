import type Database from 'better-sqlite3';
import { readMigrations } from '../migration-files.js';
import { fromJson } from '../rows.js';
import { FILTER_COLUMNS, filterColumnValues } from '../user-list.js';

export { readMigrations, type Migration } from '../migration-files.js';

const BATCH = 1000;

/** 0009: the filter columns of the users stored before them (the stores write them from then on). */
function fillUserFilterColumns(db: Database.Database) {
  const columns = Object.values(FILTER_COLUMNS);
  const read = db.prepare<[string, number], { id: string; attributes: string }>('SELECT id, attributes FROM users WHERE id > ? ORDER BY id LIMIT ?');
  const write = db.prepare(`UPDATE users SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`);
  for (let after = ''; ;) {
    const rows = read.all(after, BATCH);
    for (const row of rows) {
      const values = filterColumnValues(fromJson<Record<string, string>>(row.attributes));
      if (Object.values(values).some((v) => v !== null)) write.run({ id: row.id, ...values });
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** What a migration needs done that its SQL cannot do, run right after the file in its transaction. */
const DATA_STEPS: Record<number, (db: Database.Database) => void> = { 9: fillUserFilterColumns };

/** Applies pending migrations, each in its own transaction. Returns the versions applied. */
export function migrateSqlite(db: Database.Database, dir: string): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const done: number[] = [];
  for (const m of readMigrations(dir)) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE takes the write lock first, so two processes starting together do not both apply it.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (again) return;
      db.exec(m.sql);
      DATA_STEPS[m.version]?.(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      done.push(m.version);
    }).immediate();
  }
  return done;
}
