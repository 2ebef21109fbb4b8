/**
 * A real Redis for tests: a redis-server process of the test's own on a free loopback port,
 * without persistence, stopped (and restartable on the same port) by the test. Nothing is skipped:
 * without the binary the test fails and says how to get it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export const REDIS_SERVER = process.env.OPENPOOL_TEST_REDIS_SERVER || 'redis-server';

export interface TestRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:<port>/0 */
  url: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** A client of the test's own (closed by stop()). */
  client(): Redis;
  /** Kills the server at once (SIGKILL: no goodbye to connected clients), as a crash or a lost host would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answersPing(port: number, password: string | undefined): Promise<boolean> {
  const probe = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startTestRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const password = options.password;
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];

  const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])];
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
      if (failed) {
        throw new Error(`${REDIS_SERVER} could not be started (${failed.message}). Install Debian's redis-server package (.ci/run does) or set OPENPOOL_TEST_REDIS_SERVER to the binary.`);
      }
      if (exited(proc)) throw new Error(`${REDIS_SERVER} exited at startup: ${stderr.trim()}`);
      if (await answersPing(port, password)) return;
    }
    proc.kill('SIGKILL');
    throw new Error(`${REDIS_SERVER} did not answer PING on 127.0.0.1:${port} within 10 s`);
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || exited(proc)) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };

  await launch();
  return {
    port,
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}/0`,
    get running() { return child !== undefined && !exited(child); },
    client() {
      const c = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    kill,
    start: launch,
    async stop() {
      for (const c of clients.splice(0)) c.disconnect();
      await kill();
    },
  };
}
