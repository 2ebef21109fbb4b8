import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/config/paths.js';

/**
 * The dependency rule of ../shared/DESIGN.md, enforced: the core is pure, the HTTP surfaces
 * never reach storage implementations or infra, and only main.ts wires things together.
 */
const SRC = join(projectRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

function resolveImport(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(SRC, join(file, '..', spec)).replace(/\.js$/, '.ts') : spec;
}

const RULES: { from: RegExp; forbidden: RegExp; why: string }[] = [
  { from: /^core\//, forbidden: /^(fastify|@fastify\/|better-sqlite3|pg|nodemailer|jose|argon2|eta|pino|http\/|infra\/|storage\/sqlite\/|storage\/postgres\/|main\.ts|config\/load)/, why: 'the core is pure: no HTTP, drivers, crypto libraries or wiring' },
  { from: /^http\//, forbidden: /^(better-sqlite3|pg|nodemailer|argon2|jose|infra\/|storage\/sqlite\/|storage\/postgres\/|main\.ts)/, why: 'surfaces call the core, never storage implementations or infra' },
  { from: /^storage\//, forbidden: /^(fastify|@fastify\/|http\/|infra\/|main\.ts)/, why: 'storage knows only its contract and its driver' },
  { from: /^logging\//, forbidden: /^(fastify|@fastify\/|http\/|infra\/|storage\/|core\/|main\.ts)/, why: 'logging (and the request context) is a leaf that HTTP and infra share' },
  { from: /^storage\/postgres\//, forbidden: /^(better-sqlite3|storage\/sqlite\/)/, why: 'a backend knows only the contract and its own driver (pg)' },
  { from: /^storage\/sqlite\//, forbidden: /^(pg|storage\/postgres\/)/, why: 'a backend knows only the contract and its own driver (better-sqlite3)' },
  { from: /^infra\//, forbidden: /^(fastify|@fastify\/|http\/|main\.ts|storage\/sqlite\/)/, why: 'infra adapts one library to a core port' },
];

describe('architecture', () => {
  it('every import follows the dependency rule', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file);
      for (const spec of importsOf(file)) {
        const target = resolveImport(file, spec);
        for (const rule of RULES) {
          if (rule.from.test(from) && rule.forbidden.test(target)) violations.push(`${from} imports ${target}: ${rule.why}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the rule itself catches a forbidden import', () => {
    const rule = RULES[0]!;
    assert.ok(rule.forbidden.test('fastify') && rule.forbidden.test('storage/sqlite/open.ts') && !rule.forbidden.test('storage/storage.ts'));
    const postgres = RULES.find((r) => r.from.test('storage/postgres/open.ts') && r.forbidden.test('better-sqlite3'))!;
    assert.ok(postgres.forbidden.test('storage/sqlite/json.ts') && !postgres.forbidden.test('pg') && !postgres.forbidden.test('storage/storage.ts'));
  });
});
