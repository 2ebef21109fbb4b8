/**
 * How the OpenPool process itself is started: settings that glibc and V8 read once, at process
 * start, so the server cannot apply them from inside. `npm start`, the `openpool` command's
 * shebang, the Docker image and the bench's server all start it with these, and
 * test/e2e/startup-footprint.test.ts and test/e2e/docker-compose.test.ts hold each of them to it.
 * README, Performance ("Memory") has the measurements behind each one.
 */
export const PROCESS_ENV = {
  // One malloc arena for every thread: otherwise each of libuv's threads keeps argon2's freed
  // blocks (19 MiB each when measured) in an arena of its own (60-100 MB more RSS under sign-ins).
  MALLOC_ARENA_MAX: '1',
  // Not GLIBC_TUNABLES=glibc.malloc.hugetlb=1: 5-10% more signatures and argon2 verifications,
  // but glibc then kept argon2's freed blocks after a burst of sign-ins in more runs (README).
} as const;

/** V8's young generation: 8 MB semi-spaces instead of up to 16, about 20 MB less RSS under load. */
export const NODE_FLAGS = ['--max-semi-space-size=8'] as const;

/** Variables as a shell writes them before a command (`NAME=value NAME=value`), as the shebang does. */
export function shellAssignments(env: Readonly<Record<string, string>>): string {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' ');
}
