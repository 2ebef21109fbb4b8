/**
 * `npm test`: every test file on SQLite, then the end-to-end, compat and browser suites again on
 * PostgreSQL (OPENPOOL_TEST_BACKEND=postgres: each test server gets a database of its own), so
 * both backends are held to the same behaviour. Both passes always run; either failing fails the
 * command. Each pass is node's own test runner, which prints its summary.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST_TEST = dirname(fileURLToPath(import.meta.url));

/**
 * Left out of the PostgreSQL pass, each with the reason. A file is only ever left out here, by
 * name, never skipped inside itself; every other end-to-end file runs on both backends.
 */
const NOT_IN_POSTGRES_PASS: Record<string, string> = {
  'e2e/docker-compose.test.js': 'static checks of the Docker files; no server and no database',
  'e2e/health.test.js': 'edits the SQLite file behind the server; postgres-backend.test.ts checks /ready on PostgreSQL',
  'e2e/postgres-backend.test.js': 'always on PostgreSQL (its own database), so the first pass has run it',
  'e2e/multi-instance.test.js': 'always on PostgreSQL (one database, several instances), so the first pass has run it',
  'e2e/concurrent-start.test.js': 'always on PostgreSQL (instances starting together), so the first pass has run it',
  'e2e/rate-limit-shared.test.js': 'always on PostgreSQL (two instances sharing counters), so the first pass has run it',
  'e2e/rate-limit-redis.test.js': 'names its backends (SQLite instances sharing counters through Redis, and one PostgreSQL instance whose counters go to Redis too), so the first pass has run it',
  'e2e/migrate-data.test.js': 'moves a SQLite database into PostgreSQL: uses both backends by design, so the first pass has run it',
  'e2e/startup-footprint.test.js': 'checks what the SQLite default loads; PostgreSQL needs pg by definition',
};

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? testFiles(path) : entry.name.endsWith('.test.js') ? [path] : [];
  });
}

function run(label: string, files: string[], backend: 'sqlite' | 'postgres'): Promise<number> {
  process.stdout.write(`\n# ${label}: ${files.length} files, OPENPOOL_TEST_BACKEND=${backend}\n`);
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: { ...process.env, OPENPOOL_TEST_BACKEND: backend },
  });
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`could not start node --test: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const all = testFiles(DIST_TEST).sort();
const endToEnd = all.filter((file) => {
  const name = relative(DIST_TEST, file);
  return /^(e2e|compat|browser)\//.test(name) && !(name in NOT_IN_POSTGRES_PASS);
});
for (const name of Object.keys(NOT_IN_POSTGRES_PASS)) {
  if (!all.includes(join(DIST_TEST, name))) throw new Error(`run-suites: ${name} is listed but does not exist; update NOT_IN_POSTGRES_PASS`);
}

const sqlite = await run('pass 1 of 2, every test file', all, 'sqlite');
const postgres = await run('pass 2 of 2, end-to-end, compat and browser suites', endToEnd, 'postgres');
process.stdout.write(`\n# npm test: SQLite pass ${sqlite === 0 ? 'passed' : `FAILED (exit ${sqlite})`}, `
  + `PostgreSQL pass ${postgres === 0 ? 'passed' : `FAILED (exit ${postgres})`}\n`);
process.exit(sqlite === 0 && postgres === 0 ? 0 : 1);
