import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../helpers/server.js';

// SQLite only (and left out of npm test's PostgreSQL pass): it edits the SQLite file behind the
// server; test/e2e/postgres-backend.test.ts does the same on PostgreSQL.
describe('GET /health and GET /ready (SQLite)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ backend: 'sqlite' }); });
  after(async () => t.close());

  it('/health is liveness; /ready is 200 while every migration is applied and 503 naming the one that is not', async () => {
    const health = await fetch(`${t.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ok = await fetch(`${t.url}/ready`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await ok.json(), { status: 'ready' });

    const db = new Database(join(t.dataDir, 'openpool.db'));
    try {
      const row = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1').get() as { version: number; name: string; applied_at: number };
      db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(row.version);
      const pending = await fetch(`${t.url}/ready`);
      assert.equal(pending.status, 503);
      assert.deepEqual(await pending.json(), { status: 'not ready', reason: `migrations not applied: ${String(row.version).padStart(4, '0')}_${row.name}` });
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(row.version, row.name, row.applied_at);
    } finally {
      db.close();
    }
    assert.equal((await fetch(`${t.url}/ready`)).status, 200);
  });
});
