-- Per-user MFA: the verified TOTP secret (sealed), a secret being set up, which factors are on,
-- the preferred one, and the last TOTP time step accepted (a code is good once).
CREATE TABLE user_mfa (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  pool_id TEXT NOT NULL,
  totp_secret_sealed TEXT,
  totp_pending_sealed TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  sms_enabled INTEGER NOT NULL DEFAULT 0,
  preferred TEXT,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);

-- Challenge sessions are sealed strings; this remembers which were used (or failed too often),
-- so each is good once. Rows are dropped after the session would have expired anyway.
CREATE TABLE challenge_uses (
  id_hash TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  consumed INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL
);
CREATE INDEX challenge_uses_expiry ON challenge_uses(expires_at);
