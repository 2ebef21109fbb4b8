-- Signing-key rotation: a retired key stops signing but stays in the JWKS until every token it
-- signed has expired (publish_until), so verifiers holding those tokens keep working.
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN publish_until BIGINT;
CREATE INDEX signing_keys_pool ON signing_keys(pool_id, status);
