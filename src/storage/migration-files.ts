/** The numbered, forward-only .sql files every backend applies (migrations/<backend>/0001_name.sql). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}

/** The migrations not yet recorded as applied, named as their files are (`0005_signing_key_rotation`). */
export function pendingMigrations(migrations: Migration[], applied: Iterable<number>): string[] {
  const done = new Set(applied);
  return migrations.filter((m) => !done.has(m.version)).map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
}
