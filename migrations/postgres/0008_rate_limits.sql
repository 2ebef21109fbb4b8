-- Request counters of the per-address rate limit, shared by every instance on this database. One
-- fixed window per key; the key is a keyed digest of the client address, never the address, and a
-- row is deleted soon after its window ends.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  hits INTEGER NOT NULL,
  reset_at BIGINT NOT NULL          -- epoch ms at which the window ends
);
CREATE INDEX rate_limits_reset ON rate_limits(reset_at);
