import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Clock } from '../../src/core/ports.js';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { createBackendDatabase, existingDatabase, type Backend, type BackendDatabase } from './backend.js';
import { MailCapture } from './mail-capture.js';
import { SmsCapture } from './sms-capture.js';
export { freePort } from './ports.js';
import { freePort } from './ports.js';

export interface ExampleClients {
  public: { id: string };
  confidential: { id: string; secret: string };
  machine: { id: string; secret: string };
}

export interface TestServer {
  server: OpenPool;
  url: string;
  poolId: string;
  issuer: string;
  clients: ExampleClients;
  mail: MailCapture;
  /** Texts sent through SMS_WEBHOOK_URL. */
  sms: SmsCapture;
  /** A fresh temporary folder: the SQLite file and key file on SQLite, the config file on either backend. */
  dataDir: string;
  /** Which backend this server runs on (OPENPOOL_TEST_BACKEND, or the caller's DATABASE_URL). */
  backend: Backend;
  /** Its database: the environment a second instance or a CLI needs to share it, a storage of one's own, a snapshot. */
  database: BackendDatabase;
  logs: string[];
  /** Restart on the same database and port (e.g. to prove data survives). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Added to the server's environment; a DATABASE_URL here is the caller's database (never dropped here). */
  env?: Record<string, string>;
  /** A config file (object) to write and pass with --config. */
  config?: unknown;
  /** The server's clock (see manualClock); the system clock when absent. */
  clock?: Clock;
  /** A backend this test is about, whatever OPENPOOL_TEST_BACKEND says. */
  backend?: Backend;
}

/**
 * The real server on a real port, over a fresh database of the backend OPENPOOL_TEST_BACKEND
 * names (a SQLite file in a fresh temporary folder, or a PostgreSQL database of its own that
 * close() drops), sending mail to a real SMTP capture server. Logs are kept in memory for assertions.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpool-test-'));
  const given = options.env?.DATABASE_URL;
  const database = given === undefined
    ? await createBackendDatabase(dataDir, options.backend)
    : existingDatabase({ DATABASE_URL: given, OPENPOOL_SECRET_KEY: options.env?.OPENPOOL_SECRET_KEY });
  const mail = new MailCapture();
  await mail.start();
  const sms = new SmsCapture();
  await sms.start();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const argv: string[] = [];
  if (options.config !== undefined) {
    const file = join(dataDir, 'openpool.json');
    writeFileSync(file, JSON.stringify(options.config, null, 2));
    argv.push('--config', file);
  }
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    ...database.env,
    SMTP_URL: mail.url,
    SMS_WEBHOOK_URL: sms.url,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const start = () => startOpenPool({ env, argv, logDestination: destination, clock: options.clock });
  const cleanUp = async () => {
    await mail.stop();
    await sms.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };

  let server: OpenPool;
  try {
    server = await start();
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const handle: TestServer = {
    server,
    url,
    poolId: '',
    issuer: '',
    clients: undefined as unknown as ExampleClients,
    mail,
    sms,
    dataDir,
    backend: database.backend,
    database,
    logs,
    async restart() {
      await handle.server.close();
      handle.server = await start();
    },
    async close() {
      await handle.server.close();
      await cleanUp();
    },
  };
  const pools = await handle.server.services.pools.list();
  const pool = pools[0]!;
  handle.poolId = pool.id;
  handle.issuer = handle.server.services.issuer.issuerFor(pool.id);
  const clients = await Promise.all(
    (await handle.server.services.pools.listClients(pool.id)).map(async (c) => (await handle.server.services.pools.findClient(c.id))!.client),
  );
  const byName = (name: string) => clients.find((c) => c.name === name);
  handle.clients = {
    public: { id: byName('example-public-pkce')?.id ?? '' },
    confidential: { id: byName('example-confidential')?.id ?? '', secret: byName('example-confidential')?.secret ?? '' },
    machine: { id: byName('example-machine')?.id ?? '', secret: byName('example-machine')?.secret ?? '' },
  };
  return handle;
}

export { manualClock, type ManualClock } from './clock.js';
