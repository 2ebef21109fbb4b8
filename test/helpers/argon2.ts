import assert from 'node:assert/strict';
import argon2 from 'argon2';

/** How OpenPool hashed passwords before 2026-12-06: OWASP's 19 MiB, 2 passes. */
export const OLDER_ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** m, t and p of a PHC-formatted argon2id hash, whatever their order. */
export function argon2idParameters(hash: string): { m: number; t: number; p: number } {
  const [, type, , params] = hash.split('$');
  assert.equal(type, 'argon2id');
  const { m, t, p } = Object.fromEntries(params!.split(',').map((pair) => pair.split('=')));
  return { m: Number(m), t: Number(t), p: Number(p) };
}
