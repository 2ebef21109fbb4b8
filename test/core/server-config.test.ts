import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadServerConfig, resolveAdminKeys } from '../../src/config/load.js';
import { ConfigError, formatPath } from '../../src/core/pools/apply-config.js';

const CWD = '/srv/openpool';
const load = (env: Record<string, string> = {}, argv: string[] = []) => loadServerConfig(env, argv, CWD);

function pathsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((i) => formatPath(i.path)).sort();
  }
  return assert.fail('expected a ConfigError');
}

describe('server config (environment)', () => {
  it('has development defaults', () => {
    const config = load();
    assert.equal(config.port, 9229);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'http://localhost:9229');
    assert.equal(config.issuerBaseUrl, 'http://localhost:9229');
    assert.deepEqual(config.database, { kind: 'sqlite', file: join(CWD, 'data', 'openpool.db') });
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.configFile, undefined);
    assert.equal(config.secureCookies, false);
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.warnings.length, 3);
    const resolved = resolveAdminKeys(config, undefined);
    assert.deepEqual(resolved.adminKeys, [{ accessKeyId: 'test', secretAccessKey: 'test' }]);
    assert.equal(resolved.warnings.length, 4);
  });

  it('accepts the development admin keys only on a loopback address', () => {
    assert.deepEqual(pathsOf(() => resolveAdminKeys(load({ HOST: '0.0.0.0' }), undefined)), ['ADMIN_ACCESS_KEY_ID']);
    assert.deepEqual(pathsOf(() => load({ ADMIN_ACCESS_KEY_ID: 'AKIDEXAMPLE' })), ['ADMIN_ACCESS_KEY_ID']);
    const keys = { ADMIN_ACCESS_KEY_ID: 'AKIDEXAMPLE', ADMIN_SECRET_ACCESS_KEY: 'a-real-secret-value' };
    const env = resolveAdminKeys(load({ HOST: '0.0.0.0', ...keys }), undefined);
    assert.deepEqual(env.adminKeys, [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'a-real-secret-value' }]);
    assert.equal(env.warnings.some((w) => w.includes('test/test')), false);
    const file = resolveAdminKeys(load({ HOST: '0.0.0.0' }), {
      UserPools: [{ PoolName: 'p' }],
      AdminAccessKeys: [{ AccessKeyId: 'AKIDONE', SecretAccessKey: 'first-secret' }, { AccessKeyId: 'AKIDTWO', SecretAccessKey: 'second-secret' }],
    });
    assert.deepEqual(file.adminKeys.map((k) => k.accessKeyId), ['AKIDONE', 'AKIDTWO']);
  });

  it('resolves a relative sqlite path against the working directory and keeps an absolute one', () => {
    const file = (url: string) => load({ DATABASE_URL: url }).database;
    assert.deepEqual(file('sqlite:db/test.sqlite'), { kind: 'sqlite', file: join(CWD, 'db', 'test.sqlite') });
    assert.deepEqual(file('sqlite:../shared/op.db'), { kind: 'sqlite', file: '/srv/shared/op.db' });
    assert.deepEqual(file('sqlite:/var/lib/openpool/op.db'), { kind: 'sqlite', file: '/var/lib/openpool/op.db' });
    assert.deepEqual(file('sqlite::memory:'), { kind: 'sqlite', file: ':memory:' });
  });

  it('takes postgres:// and postgresql:// URLs with a connect timeout, and then requires OPENPOOL_SECRET_KEY', () => {
    const key = { OPENPOOL_SECRET_KEY: 'k'.repeat(32) };
    assert.deepEqual(load({ DATABASE_URL: 'postgres://op:pw@db:5432/openpool', ...key }).database,
      { kind: 'postgres', url: 'postgres://op:pw@db:5432/openpool', connectTimeoutMs: 30_000 });
    assert.deepEqual(load({ DATABASE_URL: 'postgresql://db/openpool?sslmode=require', DATABASE_CONNECT_TIMEOUT_SECONDS: '5', ...key }).database,
      { kind: 'postgres', url: 'postgresql://db/openpool?sslmode=require', connectTimeoutMs: 5_000 });
    assert.deepEqual(load({ DATABASE_URL: 'postgres:///openpool?host=/var/run/postgresql', ...key }).database.kind, 'postgres');
    assert.equal(load({ DATABASE_URL: 'postgres://db/openpool', ...key }).warnings.some((w) => w.includes('OPENPOOL_SECRET_KEY')), false);

    assert.deepEqual(pathsOf(() => load({ DATABASE_URL: 'postgres://db/openpool' })), ['OPENPOOL_SECRET_KEY']);
    assert.throws(() => load({ DATABASE_URL: 'postgres://db/openpool' }), /OPENPOOL_SECRET_KEY: is required with a PostgreSQL DATABASE_URL/);
    assert.deepEqual(pathsOf(() => load({ DATABASE_URL: 'postgres://db/openpool', PORT: 'x' })), ['OPENPOOL_SECRET_KEY', 'PORT'], 'reported with the other problems');
    assert.deepEqual(pathsOf(() => load({ DATABASE_URL: 'postgres://', ...key })), ['DATABASE_URL']);
    assert.deepEqual(pathsOf(() => load({ DATABASE_URL: 'postgres://db/x', DATABASE_CONNECT_TIMEOUT_SECONDS: '-1', ...key })), ['DATABASE_CONNECT_TIMEOUT_SECONDS']);
  });

  it('takes REDIS_URL (redis:// or rediss://) with the same connect timeout, on either backend, and names what it wants otherwise', () => {
    assert.equal(load().redis, undefined);
    assert.deepEqual(load({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).redis, { url: 'redis://127.0.0.1:6379/0', connectTimeoutMs: 30_000 });
    assert.deepEqual(load({ REDIS_URL: 'rediss://:pw@cache.example:6380', DATABASE_CONNECT_TIMEOUT_SECONDS: '2' }).redis,
      { url: 'rediss://:pw@cache.example:6380', connectTimeoutMs: 2_000 });
    for (const url of ['http://127.0.0.1:6379', 'redis://', '127.0.0.1:6379', 'redis://host:6379/not-a-db']) {
      assert.throws(() => load({ REDIS_URL: url }), (error: unknown) =>
        error instanceof ConfigError && error.issues.some((i) => formatPath(i.path) === 'REDIS_URL' && /redis:\/\/.*rediss:\/\//.test(i.message)), url);
    }
  });

  it('derives the public URL from PORT and HOST unless PUBLIC_URL is given', () => {
    assert.equal(load({ PORT: '8080' }).publicUrl, 'http://localhost:8080');
    assert.equal(load({ PORT: '8080' }).port, 8080);
    const keys = { ADMIN_ACCESS_KEY_ID: 'AKIDEXAMPLE', ADMIN_SECRET_ACCESS_KEY: 'a-real-secret-value' };
    assert.equal(load({ HOST: '0.0.0.0', ...keys }).publicUrl, 'http://localhost:9229');
    assert.equal(load({ HOST: 'auth.internal', ...keys }).publicUrl, 'http://auth.internal:9229');
    const https = load({ PUBLIC_URL: 'https://auth.example.com/' });
    assert.equal(https.publicUrl, 'https://auth.example.com');
    assert.equal(https.secureCookies, true);
    assert.equal(https.warnings.some((w) => w.includes('not https')), false);
    assert.equal(load({ ISSUER_BASE_URL: 'https://cognito-idp.us-east-1.amazonaws.com' }).issuerBaseUrl, 'https://cognito-idp.us-east-1.amazonaws.com');
  });

  it('takes --config (or CONFIG) resolved against the working directory', () => {
    assert.equal(load({}, ['--config', 'pools.json']).configFile, join(CWD, 'pools.json'));
    assert.equal(load({}, ['--config=/etc/openpool.json']).configFile, '/etc/openpool.json');
    assert.equal(load({ CONFIG: 'conf/p.json' }).configFile, join(CWD, 'conf', 'p.json'));
  });

  it('reports a bad PORT and DATABASE_URL, both at once', () => {
    assert.deepEqual(pathsOf(() => load({ PORT: 'abc' })), ['PORT']);
    assert.deepEqual(pathsOf(() => load({ PORT: '70000' })), ['PORT']);
    assert.deepEqual(pathsOf(() => load({ PORT: '80.5' })), ['PORT']);
    assert.deepEqual(pathsOf(() => load({ DATABASE_URL: 'sqlite:' })), ['DATABASE_URL']);
    assert.deepEqual(pathsOf(() => load({ PORT: 'x', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })), ['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
  });

  it('validates the other variables', () => {
    assert.deepEqual(pathsOf(() => load({ REGION: 'moon' })), ['REGION']);
    assert.deepEqual(pathsOf(() => load({ SMTP_URL: 'http://mail' })), ['SMTP_URL']);
    assert.deepEqual(pathsOf(() => load({ OPENPOOL_SECRET_KEY: 'short' })), ['OPENPOOL_SECRET_KEY']);
    assert.deepEqual(pathsOf(() => load({ PUBLIC_URL: 'ftp://x' })), ['PUBLIC_URL']);
  });
});
