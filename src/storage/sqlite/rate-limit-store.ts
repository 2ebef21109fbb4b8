/** Rate-limit counters on SQLite (the server counts in memory on SQLite; this keeps the contract whole). */
import type Database from 'better-sqlite3';
import type { RateLimitStore } from '../storage.js';

export function createRateLimitStore(db: Database.Database): RateLimitStore {
  const hit = db.prepare<[{ key: string; now: number; windowMs: number }], { hits: number; reset_at: number }>(`INSERT INTO rate_limits (key, hits, reset_at) VALUES (@key, 1, @now + @windowMs)
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN rate_limits.reset_at <= @now THEN 1 ELSE rate_limits.hits + 1 END,
      reset_at = CASE WHEN rate_limits.reset_at <= @now THEN @now + @windowMs ELSE rate_limits.reset_at END
    RETURNING hits, reset_at`);
  const prune = db.prepare<[number]>('DELETE FROM rate_limits WHERE reset_at <= ?');
  return {
    async hit(key, windowMs, now) {
      const r = hit.get({ key, now, windowMs })!;
      return { count: r.hits, resetAt: r.reset_at };
    },
    async deleteExpired(now) {
      return prune.run(now).changes;
    },
  };
}
