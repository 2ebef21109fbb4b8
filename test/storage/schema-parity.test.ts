/**
 * migrations/sqlite and migrations/postgres are two hand-written sets that must describe one
 * schema. This applies both to empty databases and compares what they built, so a migration
 * added to one folder only (or written differently) fails here, not in production.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrationsDir } from '../../src/config/paths.js';
import { migratePostgres } from '../../src/storage/postgres/migrate.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

interface Column { name: string; type: 'integer' | 'text' | string; notNull: boolean }
interface Index { table: string; columns: string[]; unique: boolean; partial: boolean }
interface Schema {
  tables: string[];
  columns: Record<string, Column[]>;
  primaryKeys: Record<string, string[]>;
  indexes: Record<string, Index>;
  foreignKeys: Record<string, string[]>;
}

/** INTEGER in SQLite is INTEGER or BIGINT in PostgreSQL (epoch ms): both hold whole numbers. */
const typeClass = (declared: string): string => {
  const t = declared.toLowerCase();
  if (t === 'integer' || t === 'bigint' || t === 'int8' || t === 'int4') return 'integer';
  return t;
};

function sqliteSchema(db: Database.Database): Schema {
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[])
    .map((t) => t.name);
  const schema: Schema = { tables, columns: {}, primaryKeys: {}, indexes: {}, foreignKeys: {} };
  for (const table of tables) {
    const info = db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; type: string; notnull: number; pk: number }[];
    // SQLite lets a non-INTEGER primary key hold NULL unless told otherwise; PostgreSQL never does. The
    // stores never write NULL there, so both count as NOT NULL.
    schema.columns[table] = info.map((c) => ({ name: c.name, type: typeClass(c.type), notNull: c.notnull === 1 || c.pk > 0 }));
    schema.primaryKeys[table] = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    for (const idx of db.prepare(`PRAGMA index_list("${table}")`).all() as { name: string; unique: number; origin: string; partial: number }[]) {
      if (idx.origin !== 'c') continue; // 'pk' and 'u' indexes come from constraints, compared as keys
      const columns = (db.prepare(`PRAGMA index_info("${idx.name}")`).all() as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      schema.indexes[idx.name] = { table, columns, unique: idx.unique === 1, partial: idx.partial === 1 };
    }
    const fks = db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as { id: number; seq: number; table: string; from: string; to: string; on_delete: string }[];
    const byId = new Map<number, typeof fks>();
    for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
    schema.foreignKeys[table] = [...byId.values()].map((parts) => {
      const sorted = parts.sort((a, b) => a.seq - b.seq);
      return `(${sorted.map((p) => p.from).join(', ')}) -> ${sorted[0]!.table}(${sorted.map((p) => p.to).join(', ')}) on delete ${sorted[0]!.on_delete.toLowerCase()}`;
    }).sort();
  }
  return schema;
}

async function postgresSchema(db: pg.Pool): Promise<Schema> {
  const tables = (await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name COLLATE "C"`)).rows.map((t) => t.table_name);
  const schema: Schema = { tables, columns: {}, primaryKeys: {}, indexes: {}, foreignKeys: {} };
  for (const table of tables) {
    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string }>(`SELECT column_name, data_type, is_nullable
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, [table]);
    schema.columns[table] = columns.rows.map((c) => ({ name: c.column_name, type: typeClass(c.data_type), notNull: c.is_nullable === 'NO' }));
    const pk = await db.query<{ name: string }>(`SELECT a.attname AS name FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`, [table]);
    schema.primaryKeys[table] = pk.rows.map((r) => r.name);
    const indexes = await db.query<{ name: string; columns: string[]; unique: boolean; partial: boolean }>(`SELECT c.relname AS name,
        array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
        i.indisunique AS unique, i.indpred IS NOT NULL AS partial
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`, [table]);
    for (const idx of indexes.rows) schema.indexes[idx.name] = { table, columns: idx.columns, unique: idx.unique, partial: idx.partial };
    const fks = await db.query<{ def: string }>(`SELECT '(' || (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum) || ') -> ' || f.confrelid::regclass::text || '(' ||
        (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum) || ') on delete ' ||
        CASE f.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END AS def
      FROM pg_constraint f WHERE f.contype = 'f' AND f.conrelid = $1::regclass`, [table]);
    schema.foreignKeys[table] = fks.rows.map((r) => r.def).sort();
  }
  return schema;
}

describe('schema parity: migrations/sqlite and migrations/postgres build the same schema', () => {
  let database: TestDatabase;
  let sqlite: Schema;
  let postgres: Schema;

  before(async () => {
    const lite = new Database(':memory:');
    try {
      migrateSqlite(lite, migrationsDir('sqlite'));
      sqlite = sqliteSchema(lite);
    } finally {
      lite.close();
    }
    database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {}); // its closing sockets may see the database dropped under them
    try {
      await migratePostgres(pool, migrationsDir('postgres'));
      postgres = await postgresSchema(pool);
    } finally {
      await pool.end();
    }
  });
  after(async () => { await database?.drop(); });

  it('the same tables', () => {
    assert.ok(sqlite.tables.includes('users') && sqlite.tables.includes('schema_migrations'));
    assert.deepEqual(postgres.tables, sqlite.tables);
  });

  it('the same columns in each table, in order, with the same kind of type and nullability', () => {
    for (const table of sqlite.tables) assert.deepEqual(postgres.columns[table], sqlite.columns[table], `table ${table}`);
  });

  it('the same primary keys', () => {
    assert.deepEqual(postgres.primaryKeys, sqlite.primaryKeys);
  });

  it('the same indexes, by name, on the same columns, equally unique and partial', () => {
    assert.ok(Object.keys(sqlite.indexes).includes('users_username'));
    assert.deepEqual(postgres.indexes, sqlite.indexes);
  });

  it('the same foreign keys with the same ON DELETE', () => {
    assert.deepEqual(postgres.foreignKeys, sqlite.foreignKeys);
  });
});
