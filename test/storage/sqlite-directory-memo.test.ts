import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/storage/sqlite/open.js';
import { clientRecord, emptyPlan, groupRecord, plain, poolRecord } from './builders.js';

const dir = mkdtempSync(join(tmpdir(), 'openpool-memo-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/**
 * The SQLite store keeps parsed pools and clients between reads (directory-memo.ts). Whatever
 * changes them, through this store or behind its back, must show on the very next read.
 */
describe('sqlite: pools and clients read again after any change', () => {
  async function setUp() {
    const file = join(dir, `memo-${++files}.db`);
    const storage = openSqlite(file);
    const pool = poolRecord('us-east-1_Memo1');
    const client = clientRecord('memo-client', pool.id, 'web', 'sealed-1');
    await storage.applyConfig({ ...emptyPlan(), pools: [pool], clients: [client] });
    assert.equal((await storage.clients.get(client.id))?.secretSealed, 'sealed-1');
    assert.equal((await storage.pools.get(pool.id))?.name, pool.name);
    return { file, storage, pool, client };
  }

  it('sees writes through the store at once: a changed secret, a deleted client, a deleted pool', async () => {
    const { storage, pool, client } = await setUp();
    try {
      await storage.clients.put({ ...client, secretSealed: 'sealed-2' });
      assert.equal((await storage.clients.get(client.id))?.secretSealed, 'sealed-2');
      await storage.pools.put({ ...pool, name: 'renamed' });
      assert.equal((await storage.pools.get(pool.id))?.name, 'renamed');
      assert.equal(await storage.clients.delete(client.id), true);
      assert.equal(await storage.clients.get(client.id), undefined);

      await storage.clients.put(client);
      assert.ok(await storage.clients.get(client.id));
      assert.equal(await storage.pools.delete(pool.id), true);
      assert.equal(await storage.pools.get(pool.id), undefined);
      assert.equal(await storage.clients.get(client.id), undefined, 'a client deleted with its pool is gone too');
    } finally {
      await storage.close();
    }
  });

  it('sees what another connection commits at once (another server process, the openpool command)', async () => {
    const { file, storage, pool, client } = await setUp();
    const other = new Database(file);
    try {
      other.prepare('UPDATE clients SET secret_sealed = ? WHERE id = ?').run('rotated-elsewhere', client.id);
      assert.equal((await storage.clients.get(client.id))?.secretSealed, 'rotated-elsewhere');
      other.prepare('UPDATE user_pools SET name = ? WHERE id = ?').run('renamed elsewhere', pool.id);
      assert.equal((await storage.pools.get(pool.id))?.name, 'renamed elsewhere');
      other.prepare('DELETE FROM clients WHERE id = ?').run(client.id);
      assert.equal(await storage.clients.get(client.id), undefined);
    } finally {
      other.close();
      await storage.close();
    }
  });

  it('keeps the committed value when a write is rolled back', async () => {
    const { storage, pool, client } = await setUp();
    try {
      // The client is rewritten, then a group of a pool that does not exist fails the whole plan.
      const failing = { ...emptyPlan(), clients: [{ ...client, secretSealed: 'never-committed' }], groups: [groupRecord('us-east-1_Missing9', 'g')] };
      await assert.rejects(storage.applyConfig(failing));
      assert.equal((await storage.clients.get(client.id))?.secretSealed, 'sealed-1');
      assert.equal((await storage.pools.get(pool.id))?.name, pool.name);
    } finally {
      await storage.close();
    }
  });

  it('hands out values nobody can change for the next reader', async () => {
    const { storage, client } = await setUp();
    try {
      const first = await storage.clients.get(client.id);
      assert.throws(() => { (first as { secretSealed?: string }).secretSealed = 'tampered'; }, TypeError);
      assert.throws(() => { (first!.settings.callbackUrls as string[]).push('https://evil.example/cb'); }, TypeError);
      assert.deepEqual(plain(await storage.clients.get(client.id)), plain(client));
    } finally {
      await storage.close();
    }
  });
});
