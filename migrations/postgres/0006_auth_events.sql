-- The audit trail (AdminListUserAuthEvents): one row per sign-in, sign-up, confirmation, code,
-- password, refresh, revocation and sign-out attempt, kept 90 days. A user's rows go with the user;
-- rows of attempts on unknown names have no user_id.
CREATE TABLE auth_events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order, breaks ties within a millisecond
  id TEXT NOT NULL UNIQUE,
  pool_id TEXT NOT NULL,
  user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  username TEXT,
  client_id TEXT,
  type TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT,
  challenges TEXT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX auth_events_user ON auth_events(user_id, created_at DESC, seq DESC);
CREATE INDEX auth_events_created ON auth_events(created_at);
