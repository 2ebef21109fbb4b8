import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/config/paths.js';
import { NODE_FLAGS, PROCESS_ENV, shellAssignments } from '../../src/config/process-settings.js';
import { untilHealthy } from '../helpers/child-server.js';
import { freePort } from '../helpers/ports.js';

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

// glibc and V8 read these only at process start, so the launchers must set them (README: Performance).
describe('how a server process is started', () => {
  it('npm start sets each process setting unless the shell already has, and passes the V8 flags', () => {
    const start: string = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).scripts.start;
    for (const [name, value] of Object.entries(PROCESS_ENV)) assert.ok(start.includes(`${name}=\${${name}:-${value}} `), `npm start sets ${name}=${value}: ${start}`);
    assert.ok(start.includes(`node ${NODE_FLAGS.join(' ')} dist/src/cli.js`), start);
  });

  it('the openpool command, run as a program, is a node process with those settings', async () => {
    const cli = join(projectRoot, 'dist', 'src', 'cli.js');
    assert.equal(readFileSync(cli, 'utf8').split('\n')[0], `#!/usr/bin/env -S ${shellAssignments(PROCESS_ENV)} node ${NODE_FLAGS.join(' ')}`);
    const dir = mkdtempSync(join(tmpdir(), 'openpool-command-'));
    const port = await freePort();
    // The file itself, not process.execPath with it: the kernel reads the shebang and env(1) applies it.
    const child = spawn(cli, [], {
      cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'openpool.db')}` },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-10_000)));
    const exited = once(child, 'exit');
    try {
      await untilHealthy(`http://127.0.0.1:${port}`, child, { context: () => stderr });
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(PROCESS_ENV)) assert.ok(environ.includes(`${name}=${value}`), `${name}=${value} in the environment`);
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      assert.match(argv[0]!, /node$/, 'env(1) replaced itself with node');
      assert.deepEqual(argv.slice(1, 1 + NODE_FLAGS.length), [...NODE_FLAGS]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
