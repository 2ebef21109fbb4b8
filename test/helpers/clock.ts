import type { Clock } from '../../src/core/ports.js';

export interface ManualClock extends Clock {
  t: number;
  advance(ms: number): void;
}

/** A clock a test moves by hand, starting at the real time so outside verifiers accept its tokens. */
export function manualClock(start = Date.now()): ManualClock {
  const clock: ManualClock = { t: start, now: () => clock.t, advance: (ms) => { clock.t += ms; } };
  return clock;
}
