-- OpenPool schema (PostgreSQL), scoped by user pool from the start; kept in lockstep with
-- migrations/sqlite by test/storage/schema-parity.test.ts. Times are epoch milliseconds (BIGINT);
-- flags stay INTEGER 0/1 as in SQLite, so rows mean the same on both backends.

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE user_pools (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  settings TEXT NOT NULL,           -- JSON PoolSettings
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE clients (
  id TEXT PRIMARY KEY,              -- unique across pools: the root endpoints find the pool from it
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_sealed TEXT,               -- AES-GCM under the master key; NULL for public clients
  settings TEXT NOT NULL,           -- JSON ClientSettings
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX clients_pool ON clients(pool_id);

CREATE TABLE groups (
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  precedence INTEGER,
  role_arn TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (pool_id, name)
);

CREATE TABLE resource_servers (
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,             -- JSON [{name, description}]
  PRIMARY KEY (pool_id, identifier)
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,              -- sub
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  -- Lower-cased when the pool is case-insensitive. Byte order ("C"), as in SQLite, so ListUsers
  -- pages the same way whatever locale the database was created with, and the index serves it.
  username_key TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  password_hash TEXT,
  attributes TEXT NOT NULL,         -- JSON name -> string
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  password_updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users(pool_id, username_key);

-- Attributes that sign a user in (email as username, verified aliases): unique per pool.
CREATE TABLE user_aliases (
  pool_id TEXT NOT NULL,
  attribute TEXT NOT NULL,
  value_key TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (pool_id, attribute, value_key)
);
CREATE INDEX user_aliases_user ON user_aliases(user_id);

CREATE TABLE user_groups (
  pool_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  group_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, group_name),
  FOREIGN KEY (pool_id, group_name) REFERENCES groups(pool_id, name) ON DELETE CASCADE
);

CREATE TABLE one_time_codes (
  pool_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  code_hash TEXT NOT NULL,          -- keyed digest, never the code
  expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, purpose)
);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scopes TEXT NOT NULL,             -- JSON array
  nonce TEXT,
  code_challenge TEXT,
  auth_time BIGINT NOT NULL,
  amr TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT,
  origin_jti TEXT
);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);

CREATE TABLE browser_sessions (
  id_hash TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  amr TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX browser_sessions_user ON browser_sessions(pool_id, user_id);

CREATE TABLE token_families (
  origin_jti TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX token_families_user ON token_families(pool_id, user_id);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  origin_jti TEXT NOT NULL REFERENCES token_families(origin_jti) ON DELETE CASCADE,
  pool_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  amr TEXT NOT NULL,
  with_id_token INTEGER NOT NULL,   -- whether refreshing returns an ID token (openid, or the Cognito API)
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  replaced_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(origin_jti);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  private_jwk_sealed TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys(pool_id, purpose) WHERE status = 'active';
