import assert from 'node:assert/strict';

/** For assert.rejects: the error has this name (an AWS SDK exception name) and, if given, a matching message. */
export const errorName = (name: string, message?: RegExp) => (e: unknown) => {
  assert.equal((e as Error).name, name, `expected ${name}, got ${(e as Error).name}: ${(e as Error).message}`);
  if (message) assert.match((e as Error).message, message);
  return true;
};
