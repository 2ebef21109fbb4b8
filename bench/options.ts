/** The BENCH_* variables every mode reads the same way. */

/** A number in (0, max], or `fallback` when unset; bounded, so a typo cannot leave a load generator running for hours. */
export function positive(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`${name}=${raw}: expected a number in (0, ${max}]`);
  return value;
}

/** A whole number in [1, max], or `fallback` when unset: counts (instances, rounds, users). */
export function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const value = positive(env, name, fallback, max);
  if (!Number.isInteger(value)) throw new Error(`${name}=${env[name]}: expected an integer in [1, ${max}]`);
  return value;
}

/** BENCH_CONNECTIONS: a comma list of connection counts, `fallback` when unset. */
export function connectionCounts(env: NodeJS.ProcessEnv, fallback: string): number[] {
  const connections = (env.BENCH_CONNECTIONS || fallback).split(',').map((c) => Number(c.trim()));
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1024)) throw new Error(`BENCH_CONNECTIONS=${env.BENCH_CONNECTIONS}: expected integers 1..1024`);
  return connections;
}
