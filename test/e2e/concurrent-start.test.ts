/**
 * Instances starting at the same moment over one empty PostgreSQL database: the first start seeds
 * one example pool (not one each), and a config file whose pools and clients have no ids (matched
 * by name) is applied once, with one generated client secret that every instance agrees on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort } from '../helpers/server.js';

const SECRET_KEY = 'an-openpool-test-master-key-of-at-least-32-chars';

async function startInstance(databaseUrl: string, argv: string[]): Promise<OpenPool> {
  return startOpenPool({
    env: { PORT: String(await freePort()), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, OPENPOOL_SECRET_KEY: SECRET_KEY, LOG_LEVEL: 'warn' },
    argv,
    logDestination: new Writable({ write(_chunk, _enc, cb) { cb(); } }),
  });
}

describe('several instances starting at once over one PostgreSQL database', () => {
  const databases: TestDatabase[] = [];
  const servers: OpenPool[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'openpool-concurrent-'));
  after(async () => {
    for (const s of servers) await s.close();
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seed exactly one example pool', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const started = await Promise.all([1, 2, 3].map(() => startInstance(database.url, [])));
    servers.push(...started);
    for (const s of started) {
      const pools = await s.services.pools.list();
      assert.equal(pools.length, 1, `one pool, seen by every instance: ${pools.map((p) => p.id).join(', ')}`);
    }
  });

  it('apply a config file without ids once, and agree on the generated client secret', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const file = join(dir, 'openpool.json');
    writeFileSync(file, JSON.stringify({
      UserPools: [{
        PoolName: 'by-name',
        Clients: [{ ClientName: 'secretive', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
        Users: [{ Username: 'ada', Password: 'Correct-Horse-9-Battery' }],
      }],
    }));
    const started = await Promise.all([1, 2, 3].map(() => startInstance(database.url, ['--config', file])));
    servers.push(...started);
    const views = await Promise.all(started.map(async (s) => {
      const pools = await s.services.pools.list();
      const clients = pools.length === 1 ? await s.services.pools.listClients(pools[0]!.id) : [];
      const client = clients[0] ? (await s.services.pools.findClient(clients[0].id))?.client : undefined;
      return { pools: pools.length, clients: clients.length, users: pools[0] ? await s.services.users.count(pools[0].id) : 0, secret: client?.secret };
    }));
    for (const v of views) assert.deepEqual({ ...v, secret: typeof v.secret }, { pools: 1, clients: 1, users: 1, secret: 'string' });
    assert.equal(new Set(views.map((v) => v.secret)).size, 1, 'every instance reads the same secret');
  });
});
