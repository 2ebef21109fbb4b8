import argon2 from 'argon2';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { PasswordHasher } from '../core/ports.js';

/**
 * argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane). argon2 hashes on libuv's
 * thread pool, so the event loop keeps serving while it works.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one argon2 job per core. More cannot finish sooner (each is one CPU-bound lane), but
 * each holds 19 MiB while it runs and a thread of libuv's pool (4 by default), where token
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
  };
}
