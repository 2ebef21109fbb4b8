/** Rate-limit counters in Redis, shared by every instance pointing at it (REDIS_URL), whatever the storage backend. */
import type { Redis } from 'ioredis';
import type { RateLimitStore } from '../storage/storage.js';

export const REDIS_RATE_LIMIT_PREFIX = 'openpool:rl:';

/**
 * One script, so reading the window, counting and setting its expiry cannot interleave with
 * another instance's hit (Redis runs a script to the end before anything else). The time comes
 * from the caller, not Redis's TIME: windows follow the server's clock like every other expiry,
 * and tests move that clock. The key's TTL is the rest of the window, so Redis drops ended windows
 * by itself; numbers are written with %d because Lua would print 13-digit doubles as 1.7e+12.
 */
const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset_at'))
local hits
if reset == nil or reset <= now then
  hits = 1
  reset = now + window
  redis.call('HSET', KEYS[1], 'hits', 1, 'reset_at', string.format('%d', reset))
else
  hits = redis.call('HINCRBY', KEYS[1], 'hits', 1)
end
redis.call('PEXPIRE', KEYS[1], string.format('%d', reset - now))
return {hits, string.format('%d', reset)}
`;

const COMMAND = 'openpoolRateLimitHit';

type HitCommand = (key: string, now: string, windowMs: string) => Promise<[number, string]>;

/**
 * `key` is already a keyed digest (createRateLimitCounter), so Redis never holds a client address.
 * defineCommand sends the script by its SHA and falls back to the full text when Redis has lost
 * its script cache (a restart), so a Redis that comes back needs nothing from us.
 */
export function createRedisRateLimitStore(client: Redis): RateLimitStore {
  if (!(COMMAND in client)) client.defineCommand(COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });
  const hit = (client as unknown as Record<typeof COMMAND, HitCommand>)[COMMAND].bind(client);
  return {
    async hit(key, windowMs, now) {
      const [count, resetAt] = await hit(REDIS_RATE_LIMIT_PREFIX + key, String(Math.floor(now)), String(Math.floor(windowMs)));
      return { count: Number(count), resetAt: Number(resetAt) };
    },
    // Every key carries a PEXPIRE to the end of its window: there is nothing left to delete.
    async deleteExpired() {
      return 0;
    },
  };
}
