-- The audit trail (AdminListUserAuthEvents): one row per sign-in, sign-up, confirmation, code,
-- password, refresh, revocation and sign-out attempt, kept 90 days. A user's rows go with the user
-- (Cognito forgets a deleted user's history); rows of attempts on unknown names have no user_id.
CREATE TABLE auth_events (
  seq INTEGER PRIMARY KEY,          -- insertion order, breaks ties between events of the same millisecond
  id TEXT NOT NULL UNIQUE,          -- EventId
  pool_id TEXT NOT NULL,
  user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  username TEXT,                    -- the name the caller gave
  client_id TEXT,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,            -- Pass | Fail
  reason TEXT,                      -- the error code of a failure
  challenges TEXT NOT NULL,         -- JSON [{name, response}]
  ip TEXT,
  user_agent TEXT,
  created_at INTEGER NOT NULL
);
-- A user's events, newest first (and the cascade from users).
CREATE INDEX auth_events_user ON auth_events(user_id, created_at DESC, seq DESC);
-- Pruning by age.
CREATE INDEX auth_events_created ON auth_events(created_at);
