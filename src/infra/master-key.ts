import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** OPENPOOL_SECRET_KEY=base64:<the content of an openpool.key file>: that key itself, not a passphrase. */
export const RAW_KEY_PREFIX = 'base64:';

/**
 * The key OPENPOOL_SECRET_KEY stands for. A passphrase is hashed to 32 bytes; the `base64:` form
 * is a key as the key file holds it, which is how a database sealed under a key file moves to
 * PostgreSQL (where there is no file) without re-sealing anything: digests of codes, tokens and
 * sessions are keyed too, and cannot be re-keyed.
 */
export function keyFromSecret(secret: string): Buffer {
  if (!secret.startsWith(RAW_KEY_PREFIX)) return createHash('sha256').update(secret).digest();
  const key = Buffer.from(secret.slice(RAW_KEY_PREFIX.length), 'base64');
  if (key.length !== 32) throw new Error(`OPENPOOL_SECRET_KEY in the ${RAW_KEY_PREFIX} form must hold a 32-byte base64 key`);
  return key;
}

/**
 * The master key that seals client secrets and signing keys and keys code digests.
 * OPENPOOL_SECRET_KEY wins (required when several instances share a database); otherwise a
 * random key is kept in `openpool.key` beside the SQLite file, readable by its owner only.
 * `databaseFile` is absent for a database that is not a local file (PostgreSQL): then there is
 * nowhere to keep a generated key, and every instance must use the same one, so the secret is required.
 */
export function loadMasterKey(secret: string | undefined, databaseFile: string | undefined, options: { create?: boolean } = {}): { key: Buffer; file?: string } {
  if (secret) return { key: keyFromSecret(secret) };
  if (databaseFile === undefined) throw new Error('OPENPOOL_SECRET_KEY is required when the database is not a SQLite file');
  if (databaseFile === ':memory:') return { key: randomBytes(32) };
  const file = join(dirname(databaseFile), 'openpool.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return { key, file };
  }
  // A new key could open nothing already sealed in the database: only the server's first start makes one.
  if (options.create === false) throw new Error(`no master key: OPENPOOL_SECRET_KEY is not set and ${file} does not exist`);
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, file };
}
