import argon2 from 'argon2';
import type { PasswordHasher } from '../core/ports.js';

/**
 * argon2id at OWASP's recommended floor (19 MiB, 2 passes, 1 lane). argon2 hashes on libuv's
 * thread pool, so the event loop keeps serving while it works.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function createArgon2Hasher(): Promise<PasswordHasher> {
  // A real hash of a random password: verifying against it costs what a real user costs.
  const dummyHash = await argon2.hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
  return {
    hash: (password) => argon2.hash(password, ARGON2_OPTIONS),
    // A hash argon2 cannot read is corrupt data, not a wrong password: let it fail loudly.
    verify: (hash, password) => argon2.verify(hash, password),
    async verifyDummy(password) {
      await argon2.verify(dummyHash, password);
    },
  };
}
