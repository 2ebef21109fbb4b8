-- SRP verifiers (USER_SRP_AUTH), kept apart from the argon2 hash. A verifier can be attacked at
-- SHA-256 speed, so it is stored sealed with the master key, which lives outside the database.
CREATE TABLE srp_verifiers (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  pool_id TEXT NOT NULL,
  salt TEXT NOT NULL,
  verifier_sealed TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
