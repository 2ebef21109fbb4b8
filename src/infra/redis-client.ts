/** The Redis connection behind the shared rate-limit counters (REDIS_URL). */
import { Redis, type RedisOptions } from 'ioredis';
import { StorageUnavailableError } from '../storage/storage.js';
import { waitUntilReachable } from '../storage/wait-until-reachable.js';

export interface RedisConnectOptions {
  /** How long startup keeps retrying a Redis that does not answer yet; 0 tries once. */
  connectTimeoutMs: number;
  /** Per command once connected: a stuck Redis fails the rate-limit call (which then lets the request through) instead of holding the request. */
  commandTimeoutMs?: number;
  onRetry?: (retry: { attempt: number; delayMs: number; reason: string }) => void;
  /** The connection was lost and the client is reconnecting (called once per outage). */
  onDown?: () => void;
  /** Connected again after onDown. */
  onUp?: () => void;
}

/** host:port/db, for messages and logs: never the password (nor the user name). */
export function describeRedisTarget(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\/+/, '') || '0';
    return `${u.protocol}//${u.hostname || 'localhost'}:${u.port || '6379'}/${db}`;
  } catch {
    return 'the configured Redis server';
  }
}

/** ioredis errors carry the socket's reason ("connect ECONNREFUSED 127.0.0.1:6379"), never the URL's password. */
const reasonOfRedis = (error: unknown): string => {
  const e = error as { message?: unknown; errors?: unknown };
  if (typeof e?.message === 'string' && e.message) return e.message;
  // Connecting to a name with several addresses (localhost) fails with an AggregateError whose own message is empty.
  if (Array.isArray(e?.errors)) return e.errors.map((x: { message?: unknown }) => String(x?.message ?? x)).join('; ');
  return String(error);
};

// A wrong or missing password, or a user without the rights, does not fix itself: no retry.
const isPermanent = (error: unknown): boolean => /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(reasonOfRedis(error));

/**
 * Waits (see waitUntilReachable: backoff, at most `connectTimeoutMs`) until Redis answers PING,
 * then returns a client set up for the request path: no offline queue and no retry of a command
 * in flight, so while Redis is away every call fails at once (the rate limiter then lets
 * requests through) rather than queueing behind a reconnect; a retried hit could also count
 * twice. The client reconnects by itself, forever, with a delay capped at 2 s.
 */
export async function connectRedis(url: string, options: RedisConnectOptions): Promise<Redis> {
  const target = describeRedisTarget(url);
  await waitUntilReachable({
    name: `Redis at ${target} (REDIS_URL)`, budgetMs: options.connectTimeoutMs,
    reasonOf: reasonOfRedis, isPermanent, onRetry: options.onRetry,
    // One connection and a PING with no retry of its own: the wait owns the backoff and the deadline.
    async attempt(timeoutMs) {
      const client = new Redis(url, {
        lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0,
        enableOfflineQueue: false, retryStrategy: () => null,
      });
      // connect() rejects with "Connection is closed."; the socket's own error (ECONNREFUSED, NOAUTH…) says why.
      let socketError: unknown;
      client.on('error', (error: unknown) => { socketError ??= error; });
      try {
        await client.connect();
        await client.ping();
      } catch (error) {
        throw socketError ?? error;
      } finally {
        client.disconnect();
      }
    },
  });

  const settings: RedisOptions = {
    lazyConnect: true,
    connectionName: 'openpool',
    connectTimeout: 2_000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  const client = new Redis(url, settings);
  // 'reconnecting' follows every lost connection and every failed attempt (not our own quit):
  // the outage is reported once, and its end once. Errors are the attempts' and add nothing.
  let down = false;
  client.on('error', () => {});
  client.on('reconnecting', () => {
    if (down) return;
    down = true;
    options.onDown?.();
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.onUp?.();
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new StorageUnavailableError(`Redis at ${target} (REDIS_URL) answered and then dropped the connection: ${reasonOfRedis(error)}`, { cause: error });
  }
  return client;
}

/** QUIT when connected (lets replies in flight arrive), else just drop the socket and stop reconnecting. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
