/** Rate-limit counters on PostgreSQL, shared by every instance on the database. */
import type { RateLimitStore } from '../storage.js';
import { one, type Pool } from './db.js';

export function createRateLimitStore(pool: Pool): RateLimitStore {
  return {
    async hit(key, windowMs, now) {
      // One statement: the upsert takes the row lock, so hits racing from several instances each count once.
      const r = await one<{ hits: number; reset_at: number }>(pool, `INSERT INTO rate_limits (key, hits, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN rate_limits.reset_at <= $2::bigint THEN 1 ELSE rate_limits.hits + 1 END,
          reset_at = CASE WHEN rate_limits.reset_at <= $2::bigint THEN $2::bigint + $3::bigint ELSE rate_limits.reset_at END
        RETURNING hits, reset_at`, [key, now, windowMs]);
      return { count: r!.hits, resetAt: r!.reset_at };
    },
    async deleteExpired(now) {
      return (await pool.query('DELETE FROM rate_limits WHERE reset_at <= $1', [now])).rowCount ?? 0;
    },
  };
}
