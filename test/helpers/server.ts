import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Clock } from '../../src/core/ports.js';
import { startOpenPool, type OpenPool } from '../../src/main.js';
import { MailCapture } from './mail-capture.js';
import { SmsCapture } from './sms-capture.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

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
  dataDir: string;
  logs: string[];
  /** Restart on the same data directory and port (e.g. to prove data survives). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** A config file (object) to write and pass with --config. */
  config?: unknown;
  /** The server's clock (see manualClock); the system clock when absent. */
  clock?: Clock;
}

/**
 * The real server on a real port, over a real SQLite file in a fresh temporary folder, sending
 * mail to a real SMTP capture server. Logs are kept in memory for assertions.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpool-test-'));
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
    DATABASE_URL: `sqlite:${join(dataDir, 'openpool.db')}`,
    SMTP_URL: mail.url,
    SMS_WEBHOOK_URL: sms.url,
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const start = () => startOpenPool({ env, argv, logDestination: destination, clock: options.clock });

  const handle: TestServer = {
    server: await start(),
    url,
    poolId: '',
    issuer: '',
    clients: undefined as unknown as ExampleClients,
    mail,
    sms,
    dataDir,
    logs,
    async restart() {
      await handle.server.close();
      handle.server = await start();
    },
    async close() {
      await handle.server.close();
      await mail.stop();
      await sms.stop();
      rmSync(dataDir, { recursive: true, force: true });
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
