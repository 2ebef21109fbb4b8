/** The printed table and the results file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ceilings } from './ceilings.js';
import type { EventLoopDelay } from './server.js';

export interface RunRecord {
  scenario: string;
  title: string;
  unit: 'request' | 'flow';
  connections: number;
  durationS: number;
  sent: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system, all threads) over the run divided by completed requests. */
  cpuMsPerRequest: number;
  /** The load generator's own CPU (this process, user + system) per request sent: its share of the same cores. */
  loadGeneratorCpuMsPerRequest: number;
  peakRssMb: number;
  eventLoopDelay: EventLoopDelay;
  ceiling?: { label: string; perSecond: number };
  fractionOfCeiling?: number;
}

export interface SoakRecord {
  scenario: string;
  connections: number;
  seconds: number;
  perSecond: number[];
  firstTenRps: number;
  lastTenRps: number;
  /** (last − first) / first. */
  change: number;
  /** No decay: the last 10 s at least 90 % of the first (a rise is no decay, so it passes). */
  pass: boolean;
}

export interface Results {
  label: string;
  startedAt: string;
  finishedAt: string;
  commit?: string;
  machine: { cpus: number; model: string; memoryGb: number; node: string; platform: string };
  options: Record<string, unknown>;
  directory: { users: number; seedMs: number };
  /** The server's resident memory before any scenario ran. */
  serverRssMb: { afterStart: number; afterSetup: number };
  ceilings: Ceilings;
  runs: RunRecord[];
  soak?: SoakRecord;
}

export function machine(): Results['machine'] {
  const list = cpus();
  return { cpus: list.length, model: list[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function gitCommit(): string | undefined {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return undefined;
  }
}

/** A figure for a table: '-' when there is none. */
export const fixed = (n: number | undefined, digits: number) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-');
/** Rates and latencies for a table: fewer decimals as they grow. */
export const num = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function ceilingsText(c: Ceilings): string {
  return [
    `Ceilings of this machine (${c.cores} cores, ${c.seconds} s each, in-process, server not running):`,
    `  RS256 sign (RSA 2048)         ${num(c.rs256SignPerSec)}/s all cores   ${num(c.rs256SignPerSecOneCore)}/s one core`,
    `  RS256 verify                  ${num(c.rs256VerifyPerSec)}/s all cores`,
    `  argon2id verify (${c.argon2Parameters.memoryKiB / 1024} MiB, t=${c.argon2Parameters.passes}) ${num(c.argon2VerifyPerSec)}/s all cores   ${num(c.argon2VerifyPerSecOneCore)}/s one core`,
  ].join('\n');
}

const COLUMNS: { head: string; width: number; left?: boolean; cell(r: RunRecord): string }[] = [
  { head: 'scenario', width: 40, left: true, cell: (r) => `${r.scenario} ${r.title}` },
  { head: 'conns', width: 5, cell: (r) => String(r.connections) },
  { head: 'req/s', width: 9, cell: (r) => num(r.rps) },
  { head: 'p50 ms', width: 8, cell: (r) => num(r.p50Ms) },
  { head: 'p99 ms', width: 8, cell: (r) => num(r.p99Ms) },
  { head: 'non-2xx', width: 7, cell: (r) => String(r.non2xx) },
  { head: 'errors', width: 6, cell: (r) => String(r.errors) },
  { head: 'CPU ms/req', width: 10, cell: (r) => fixed(r.cpuMsPerRequest, 3) },
  { head: 'gen ms/req', width: 10, cell: (r) => fixed(r.loadGeneratorCpuMsPerRequest, 3) },
  { head: 'RSS MB', width: 7, cell: (r) => fixed(r.peakRssMb, 0) },
  { head: 'ELD p99', width: 7, cell: (r) => fixed(r.eventLoopDelay.p99Ms, 1) },
  { head: 'of ceiling', width: 24, left: true, cell: (r) => (r.ceiling && r.fractionOfCeiling !== undefined ? `${fixed(r.fractionOfCeiling * 100, 0)}% of ${num(r.ceiling.perSecond)} (${r.ceiling.label})` : '') },
];

const pad = (text: string, width: number, left?: boolean) => (left ? text.padEnd(width) : text.padStart(width));

export function tableHeader(): string {
  const head = COLUMNS.map((c) => pad(c.head, c.width, c.left)).join('  ').trimEnd();
  return `${head}\n${'-'.repeat(head.length)}`;
}

export function tableRow(r: RunRecord): string {
  return COLUMNS.map((c) => pad(c.cell(r), c.width, c.left)).join('  ').trimEnd();
}

export function soakText(s: SoakRecord): string {
  return `No-decay check: scenario ${s.scenario} at ${s.connections} connections for ${s.seconds} s: first 10 s ${num(s.firstTenRps)}/s, last 10 s ${num(s.lastTenRps)}/s (${s.change >= 0 ? '+' : ''}${fixed(s.change * 100, 1)}%) ${s.pass ? 'PASS' : 'FAIL'} (fails on a drop of more than 10%)`;
}

export function soakRecord(scenario: string, connections: number, perSecond: number[]): SoakRecord {
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const firstTenRps = avg(perSecond.slice(0, 10));
  const lastTenRps = avg(perSecond.slice(-10));
  const change = firstTenRps > 0 ? (lastTenRps - firstTenRps) / firstTenRps : 0;
  return { scenario, connections, seconds: perSecond.length, perSecond, firstTenRps, lastTenRps, change, pass: firstTenRps > 0 && change >= -0.1 };
}

export const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

/**
 * Every mode's results file: bench/results/<start time>.json, or the name `fileName` makes of that
 * time (colons and milliseconds dropped so it is file-name safe). JSON has no NaN: a figure that
 * could not be measured is written as null.
 */
export function writeResults<T extends { startedAt: string }>(results: T, fileName = (stamp: string) => `${stamp}.json`): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, fileName(results.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')));
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
