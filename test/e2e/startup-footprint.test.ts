import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/config/paths.js';

// A fresh process, so its module cache holds only what starting the server loaded.
const PROBE = `
import { createRequire } from 'node:module';
const { startOpenPool } = await import(process.env.PROBE_MAIN);
const server = await startOpenPool({ env: process.env, argv: [] });
const loaded = new Set(Object.keys(createRequire(import.meta.url).cache)
  .map((file) => file.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/)?.[1]).filter(Boolean));
await server.close();
process.stdout.write(JSON.stringify([...loaded]));
`;

// SQLite only (left out of npm test's PostgreSQL pass): it is about the SQLite default.
describe('what a single SQLite process loads', () => {
  it('starts without the PostgreSQL, Redis and SMTP client libraries it is not configured for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpool-footprint-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], {
        cwd: dir,
        env: {
          PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'openpool.db')}`,
          PROBE_MAIN: join(projectRoot, 'dist', 'src', 'main.js'),
        },
      });
      const loaded: string[] = JSON.parse(stdout);
      // The probe sees the libraries the server does use, so an absence below means something.
      for (const used of ['fastify', 'better-sqlite3', 'argon2']) assert.ok(loaded.includes(used), `${used} should be loaded: ${loaded.join(' ')}`);
      for (const unused of ['pg', 'ioredis', 'nodemailer']) assert.ok(!loaded.includes(unused), `${unused} is loaded without being configured`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
