import type { Clock, RateLimitCounter, SecretBox } from '../core/ports.js';
import type { Logger } from '../logging/logger.js';
import type { RateLimitStore } from '../storage/storage.js';

/** Ended windows are deleted at most this often, on the back of a counted request: no timer to own or stop. */
export const RATE_LIMIT_PRUNE_INTERVAL_MS = 60_000;

export interface RateLimitCounterOptions {
  store: RateLimitStore;
  /** Digests the client address, so the store (table or Redis) never holds who called. */
  box: SecretBox;
  /** The server's clock, so windows follow the same time as everything else (and tests can move it). */
  clock: Clock;
  logger: Logger;
}

/**
 * Rate-limit counts kept in a shared store (Redis or PostgreSQL), so N instances enforce one budget per client address.
 * The key is stored as a keyed digest: an unkeyed hash of an IPv4 address is reversed by trying
 * all 2^32 of them.
 */
export function createRateLimitCounter(options: RateLimitCounterOptions): RateLimitCounter {
  const log = options.logger.child({ component: 'rate-limit' });
  let lastPrune = Number.NEGATIVE_INFINITY;

  const pruneNowAndThen = (now: number) => {
    if (now - lastPrune < RATE_LIMIT_PRUNE_INTERVAL_MS) return;
    lastPrune = now;
    // After the request has moved on; every instance does this, and a delete of nothing is cheap.
    setImmediate(() => {
      options.store.deleteExpired(now).catch((error: unknown) => log.warn({ err: error }, 'could not delete ended rate-limit windows'));
    });
  };

  return {
    async hit(key, windowMs) {
      const now = options.clock.now();
      const window = await options.store.hit(options.box.digest(`rate-limit:${key}`), windowMs, now);
      pruneNowAndThen(now);
      return { count: window.count, ttlMs: Math.max(0, window.resetAt - now) };
    },
  };
}
