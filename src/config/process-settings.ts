/**
 * How the OpenPool process itself is started: settings that glibc and V8 read once, at process
 * start, so the server cannot apply them from inside. `npm start`, the `openpool` command's
 * shebang, the Docker image and the bench's server all start it with these, and
 * test/e2e/startup-footprint.test.ts and test/e2e/docker-compose.test.ts hold each of them to it.
 * README, Performance ("Memory", "Huge pages for argon2") has the measurements behind each one.
 */
export const PROCESS_ENV = {
  // One malloc arena for every thread: otherwise each of libuv's threads keeps argon2's freed
  // 19 MiB blocks in an arena of its own (60-100 MB more RSS under sign-ins).
  MALLOC_ARENA_MAX: '1',
  // malloc asks the kernel for transparent huge pages (madvise), which argon2's passes over its
  // 19 MiB block run faster on (fewer TLB misses). glibc before 2.35 ignores the tunable, and so
  // does a kernel whose THP mode is `never`.
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
} as const;

/** V8's young generation: 8 MB semi-spaces instead of up to 16, about 20 MB less RSS under load. */
export const NODE_FLAGS = ['--max-semi-space-size=8'] as const;

/** PROCESS_ENV as a shell writes it before a command: `NAME=value NAME=value`. */
export const PROCESS_ENV_TEXT = Object.entries(PROCESS_ENV).map(([name, value]) => `${name}=${value}`).join(' ');
