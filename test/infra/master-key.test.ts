import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadServerConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/pools/apply-config.js';
import { keyFromSecret, loadMasterKey } from '../../src/infra/master-key.js';

const dir = mkdtempSync(join(tmpdir(), 'openpool-master-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('master key', () => {
  it('a passphrase is hashed; base64:<key file content> is the key file\'s key itself', () => {
    const passphrase = 'a-passphrase-of-at-least-32-characters';
    assert.deepEqual(keyFromSecret(passphrase), createHash('sha256').update(passphrase).digest());
    const database = join(dir, 'openpool.db');
    const fromFile = loadMasterKey(undefined, database);
    assert.equal(fromFile.file, join(dir, 'openpool.key'));
    const content = readFileSync(fromFile.file!, 'utf8').trim();
    assert.deepEqual(loadMasterKey(`base64:${content}`, undefined).key, fromFile.key, 'the same key on PostgreSQL, with no file');
    assert.throws(() => keyFromSecret('base64:c2hvcnQ='), /32-byte/);
  });

  it('the config refuses a base64: key that is not 32 bytes, and takes one that is', () => {
    const postgres = { DATABASE_URL: 'postgres://db/openpool' };
    const good = `base64:${Buffer.alloc(32, 7).toString('base64')}`;
    assert.equal(loadServerConfig({ ...postgres, OPENPOOL_SECRET_KEY: good }, [], dir).secretKey, good);
    for (const bad of [`base64:${Buffer.alloc(31, 7).toString('base64')}xx`, `base64:${Buffer.alloc(33, 7).toString('base64')}`]) {
      assert.throws(() => loadServerConfig({ ...postgres, OPENPOOL_SECRET_KEY: bad }, [], dir),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path[0] === 'OPENPOOL_SECRET_KEY'), bad);
    }
  });
});
