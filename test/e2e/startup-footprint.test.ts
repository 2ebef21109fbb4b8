import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/config/paths.js';

/*
 * A fresh process, so its module caches hold only what starting the server loaded: CommonJS
 * modules are read from require's cache, ES modules from a resolve hook that notes every URL.
 */
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.PROBE_ESM_LOG, resolved.url + '\\n');
  return resolved;
}
`;
const PROBE = `
import { createRequire, register } from 'node:module';
import { readFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(process.env.PROBE_HOOKS));
const { startOpenPool } = await import(process.env.PROBE_MAIN);
const server = await startOpenPool({ env: process.env, argv: [] });
const files = [...Object.keys(createRequire(import.meta.url).cache), ...readFileSync(process.env.PROBE_ESM_LOG, 'utf8').split('\\n')];
const loaded = new Set(files.map((file) => file.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1]).filter(Boolean));
await server.close();
process.stdout.write(JSON.stringify([...loaded]));
`;

// SQLite only (left out of npm test's PostgreSQL pass): it is about the SQLite default.
describe('what a single SQLite process loads', () => {
  it('starts without the PostgreSQL, Redis and SMTP clients it is not configured for, nor the TOTP, QR-code and SigV4 code no request has needed yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpool-footprint-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], {
        cwd: dir,
        env: {
          PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'openpool.db')}`,
          PROBE_MAIN: join(projectRoot, 'dist', 'src', 'main.js'), PROBE_HOOKS: HOOKS, PROBE_ESM_LOG: join(dir, 'esm.log'),
        },
      });
      const loaded: string[] = JSON.parse(stdout);
      // The probe sees the libraries the server does use, so an absence below means something.
      for (const used of ['fastify', 'better-sqlite3', 'argon2', 'jose', 'zod']) assert.ok(loaded.includes(used), `${used} should be loaded: ${loaded.join(' ')}`);
      for (const unused of ['pg', 'ioredis', 'nodemailer', 'otplib', 'qrcode', '@smithy/signature-v4']) assert.ok(!loaded.includes(unused), `${unused} is loaded though nothing has needed it`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
