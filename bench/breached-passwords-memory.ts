/**
 * What the breached-password list costs a process, for each way of holding it:
 *   node --expose-gc dist/bench/breached-passwords-memory.js <set-100k | set-1m | digests-1m | digest-file>
 * Run each variant in a fresh process; prints load time and RSS / heap growth after a full GC.
 */
import { readFileSync } from 'node:fs';
import { breachedDigestsFile } from '../src/config/paths.js';
import { breachedListFile, breachedPasswordList, inMemoryLookup, loadBreachedDigests, MIN_ENTRY_LENGTH, openBreachedDigestFile } from '../src/infra/breached-passwords.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const variants: Record<string, () => (password: string) => boolean> = {
  'set-100k': () => {
    // Only the first 100,000 lines are split, so the rest of the file costs no strings.
    const text = readFileSync(breachedListFile(), 'utf8');
    let end = -1;
    for (let i = 0; i < 100_000; i++) end = text.indexOf('\n', end + 1);
    const set = new Set(text.slice(0, end).split('\n').filter((p) => p.length >= MIN_ENTRY_LENGTH));
    return (p) => set.has(p);
  },
  'set-1m': () => {
    const set = new Set(readFileSync(breachedListFile(), 'utf8').split('\n').filter((p) => p.length >= MIN_ENTRY_LENGTH));
    return (p) => set.has(p);
  },
  'digests-1m': () => {
    const lookup = inMemoryLookup(loadBreachedDigests());
    const list = breachedPasswordList(() => lookup);
    return (p) => list.isBreached(p);
  },
  // What servers use: the file npm run build writes, read a block per lookup.
  'digest-file': () => {
    const lookup = openBreachedDigestFile(breachedDigestsFile);
    const list = breachedPasswordList(() => lookup);
    return (p) => list.isBreached(p);
  },
};

const name = process.argv[2] ?? 'digests-1m';
const make = variants[name];
if (!make) throw new Error(`unknown variant ${name}; one of ${Object.keys(variants).join(', ')}`);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
gc();
const before = process.memoryUsage();
const started = performance.now();
const has = make();
const loadMs = performance.now() - started;
gc();
const after = process.memoryUsage();
const lookups = 100_000;
const t = performance.now();
for (let i = 0; i < lookups; i++) has(`Password${i}!`);
const lookupUs = ((performance.now() - t) * 1000) / lookups;
console.log(JSON.stringify({
  variant: name,
  loadMs: Math.round(loadMs),
  rssAddedMB: mb(after.rss - before.rss),
  heapAddedMB: mb(after.heapUsed - before.heapUsed),
  arrayBuffersAddedMB: mb(after.arrayBuffers - before.arrayBuffers),
  rssTotalMB: mb(after.rss),
  lookupMicroseconds: lookupUs.toFixed(2),
  samples: { '123456': has('123456'), 'P@ssw0rd': has('P@ssw0rd'), 'Password1!': has('Password1!') },
}));
