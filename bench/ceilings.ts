/**
 * What this machine can do at most, measured in-process while the server is not running:
 * RS256 signatures (and verifications) per second with OpenPool's key type, and argon2id
 * verifications per second at OpenPool's parameters, on all cores.
 */
import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ARGON2_OPTIONS } from '../src/infra/argon2-hasher.js';
import type { Bound } from './scenarios.js';

export interface Ceilings {
  cores: number;
  seconds: number;
  rs256SignPerSecOneCore: number;
  rs256SignPerSec: number;
  rs256VerifyPerSec: number;
  argon2VerifyPerSecOneCore: number;
  argon2VerifyPerSec: number;
  /** What the argon2 figures were measured at: OpenPool's parameters at the time (KiB, passes). */
  argon2Parameters: { memoryKiB: number; passes: number };
}

const WORKER = new URL('./ceiling-worker.js', import.meta.url);

/**
 * Worker threads started together once all have their keys, for a fixed time. The server's
 * signatures (node:crypto's callback form) and jose's verifications (WebCrypto) both run their
 * RSA work on libuv's thread pool: one operation in flight is one core's worth, and the all-core
 * figure needs one worker per core with two in flight each, so the pool never waits for a
 * thread to hand over the next job.
 */
async function rs256PerSecond(op: 'sign' | 'verify', threads: number, inFlight: number, seconds: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: { op, seconds, inFlight } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.once('message', () => resolve());
    })));
    const results = await Promise.all(workers.map((w) => new Promise<{ done: number; seconds: number }>((resolve, reject) => {
      w.once('error', reject);
      w.once('message', resolve);
      w.postMessage('go');
    })));
    return results.reduce((sum, r) => sum + r.done / r.seconds, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** argon2 runs on libuv's thread pool; `concurrency` verifications in flight keep that many cores busy. */
async function argon2PerSecond(concurrency: number, seconds: number): Promise<number> {
  const password = 'Bench-Correct-Horse-9';
  const hash = await argon2.hash(password, ARGON2_OPTIONS);
  await argon2.verify(hash, password);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (!(await argon2.verify(hash, password))) throw new Error('argon2 verification failed');
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

export async function measureCeilings(seconds: number): Promise<Ceilings> {
  const cores = availableParallelism();
  return {
    cores,
    seconds,
    rs256SignPerSecOneCore: await rs256PerSecond('sign', 1, 1, seconds),
    rs256SignPerSec: await rs256PerSecond('sign', cores, 2, seconds),
    rs256VerifyPerSec: await rs256PerSecond('verify', cores, 2, seconds),
    argon2VerifyPerSecOneCore: await argon2PerSecond(1, seconds),
    argon2VerifyPerSec: await argon2PerSecond(cores, seconds),
    argon2Parameters: { memoryKiB: ARGON2_OPTIONS.memoryCost, passes: ARGON2_OPTIONS.timeCost },
  };
}

/**
 * The all-core ceiling for a request that costs `bound`: the work of one request in
 * core-seconds is the sum of its parts, so the ceiling is the reciprocal of that sum.
 */
export function ceilingFor(bound: Bound | undefined, c: Ceilings): { label: string; perSecond: number } | undefined {
  if (!bound) return undefined;
  const parts: string[] = [];
  let seconds = 0;
  if (bound.argon2) {
    seconds += bound.argon2 / c.argon2VerifyPerSec;
    parts.push(`${bound.argon2} argon2`);
  }
  if (bound.signatures) {
    seconds += bound.signatures / c.rs256SignPerSec;
    parts.push(`${bound.signatures} sign`);
  }
  if (bound.verifications) {
    seconds += bound.verifications / c.rs256VerifyPerSec;
    parts.push(`${bound.verifications} verify`);
  }
  return seconds > 0 ? { label: parts.join(' + '), perSecond: 1 / seconds } : undefined;
}
