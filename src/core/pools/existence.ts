import type { CoreDeps } from '../deps.js';

/**
 * How long this process trusts that a pool it has seen still exists. Discovery and JWKS are
 * polled constantly by every verifier, and a database read per poll was a tenth of their cost;
 * a pool deleted by another instance stops being served here within this time (its discovery
 * document says clients may cache it for an hour anyway). Deletions through this process are
 * seen at once.
 */
export const POOL_EXISTENCE_TTL_MS = 5_000;

/** Only pools that exist are remembered, so made-up pool ids cannot grow the map. */
export function poolExistence(deps: Pick<CoreDeps, 'storage' | 'clock'>) {
  const seenAt = new Map<string, number>();
  return {
    async exists(poolId: string): Promise<boolean> {
      const now = deps.clock.now();
      const seen = seenAt.get(poolId);
      if (seen !== undefined && now - seen < POOL_EXISTENCE_TTL_MS) return true;
      const exists = await deps.storage.pools.exists(poolId);
      if (exists) seenAt.set(poolId, now);
      else seenAt.delete(poolId);
      return exists;
    },
    forget(poolId: string): void {
      seenAt.delete(poolId);
    },
  };
}
