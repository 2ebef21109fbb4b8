-- Failed sign-ins per user, for Cognito's lockout: 5 free failures, then 2^(n-5) s (at most
-- 15 minutes); the count starts again after 15 minutes without a failure.
CREATE TABLE sign_in_failures (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  pool_id TEXT NOT NULL,
  failures INTEGER NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);
