-- How many codes of each purpose a user was sent in the current hour: a wrong code can only be
-- guessed 5 times, and this caps how often a fresh code can be asked for.
CREATE TABLE code_sends (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  sends INTEGER NOT NULL,
  PRIMARY KEY (user_id, purpose)
);
