import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOCK_MS, nextFailure, RESET_AFTER_MS } from '../../src/core/users/lockout.js';

const user = { id: 'u1', poolId: 'us-east-1_Pool' };
const T0 = 1_700_000_000_000;

describe('lockout rule (Cognito: 5 free failures, then 2^(n-5) s, at most 15 min)', () => {
  it('locks from the sixth failure, doubling each time, capped at 15 minutes', () => {
    let record = undefined as ReturnType<typeof nextFailure> | undefined;
    const locks: number[] = [];
    for (let i = 1; i <= 16; i++) {
      record = nextFailure(record, user, T0 + i);
      locks.push(record.lockedUntil ? record.lockedUntil - (T0 + i) : 0);
    }
    assert.deepEqual(locks.slice(0, 5), [0, 0, 0, 0, 0]);
    assert.deepEqual(locks.slice(5, 9), [2_000, 4_000, 8_000, 16_000]);
    assert.equal(locks[15], MAX_LOCK_MS);
    assert.equal(record!.failures, 16);
  });

  it('starts counting again after 15 minutes without a failure', () => {
    let record = nextFailure(undefined, user, T0);
    for (let i = 0; i < 6; i++) record = nextFailure(record, user, T0 + i);
    assert.ok(record.lockedUntil > 0);
    const later = nextFailure(record, user, record.lastFailureAt + RESET_AFTER_MS + 1);
    assert.equal(later.failures, 1);
    assert.equal(later.lockedUntil, 0);
  });
});
