import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { PasswordHasher } from '../core/ports.js';

/**
 * argon2id with 9 MiB, 4 passes, 1 lane: one of the configurations OWASP's Password Storage Cheat
 * Sheet lists as giving the same defence as its 19 MiB / 2 passes (trading memory for passes).
 * Against 19 MiB it halves the memory each sign-in holds (two in flight were 39 of a process's
 * ~150 MB) and costs this machine less CPU, not more (smaller blocks stay in cache). Hashes made
 * with other parameters still verify and are hashed again at the user's next sign-in.
 * argon2 hashes on libuv's thread pool, so the event loop keeps serving while it works.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 9_216, timeCost: 4, parallelism: 1 } as const;

/**
 * At most one argon2 job per core. More cannot finish sooner (each is one CPU-bound lane), but
 * each holds its memory while it runs and a thread of libuv's pool (4 by default), where token
 * signatures queue behind it: a burst of sign-ins would otherwise stall every token request.
 */
export const ARGON2_CONCURRENCY = Math.max(1, Math.min(availableParallelism(), 4));

export async function createArgon2Hasher(concurrency = ARGON2_CONCURRENCY): Promise<PasswordHasher> {
  const limit = pLimit(concurrency);
  // A real hash of a random password: verifying against it costs what a real user costs.
  const dummyHash = await argon2.hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
  return {
    hash: (password) => limit(() => argon2.hash(password, ARGON2_OPTIONS)),
    // A hash argon2 cannot read is corrupt data, not a wrong password: let it fail loudly.
    verify: (hash, password) => limit(() => argon2.verify(hash, password)),
    async verifyDummy(password) {
      await limit(() => argon2.verify(dummyHash, password));
    },
    needsRehash: (hash) => argon2.needsRehash(hash, ARGON2_OPTIONS),
  };
}
