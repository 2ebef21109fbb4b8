-- Request counters of the per-address rate limit, when instances share them (PostgreSQL). One
-- fixed window per key; the key is a keyed digest of the client address, never the address, and a
-- row is deleted soon after its window ends. (SQLite serves one process, which counts in memory,
-- so this table stays empty there; it exists so both schemas stay the same.)
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  hits INTEGER NOT NULL,
  reset_at INTEGER NOT NULL         -- epoch ms at which the window ends
);
CREATE INDEX rate_limits_reset ON rate_limits(reset_at);
