/**
 * `npm run bench -- scale-out` (or BENCH_MODE=scale-out): the scale-out mode of issue 5. OpenPool
 * over one fresh PostgreSQL database as 1, then 2 (up to BENCH_INSTANCES) child processes; the
 * token-endpoint scenarios run with the connections split evenly across the instances, and the
 * table shows how throughput grows with each instance on this machine.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { positiveInteger } from './options.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';
import { gitCommit, machine, writeResults } from './report.js';
import { SCENARIOS, type RunStats } from './scenarios.js';
import { benchConfig } from './seed.js';
import { benchWorkspace, startServer, type ServerProcess } from './server.js';
import { prepareTarget, type Target } from './target.js';

/** Every instance must open what the others sealed: one master key for all. */
const SECRET_KEY = 'openpool-bench-scale-out-master-key-0123456789';

interface ScaleOutRun {
  scenario: string;
  title: string;
  instances: number;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Throughput relative to one instance at the same connection count. */
  growth?: number;
}

const log = (message: string) => process.stderr.write(`[bench scale-out] ${message}\n`);

/** Runs a scenario on every instance at once, each with its share of the connections, and adds them up. */
async function runSplit(scenarioId: string, targets: Target[], connections: number, durationS: number): Promise<Omit<ScaleOutRun, 'growth'>> {
  const scenario = SCENARIOS.find((s) => s.id === scenarioId)!;
  const shares = targets.map((_, i) => Math.floor(connections / targets.length) + (i < connections % targets.length ? 1 : 0));
  const stats: RunStats[] = await Promise.all(targets.map((t, i) => scenario.run(t, { connections: Math.max(1, shares[i]!), durationS })));
  const sum = (f: (s: RunStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  return {
    scenario: scenario.id, title: scenario.title, instances: targets.length, connections,
    rps: sum((s) => s.rps), non2xx: sum((s) => s.non2xx), errors: sum((s) => s.errors),
    // The slowest instance's percentiles: what a client behind a balancer would see at worst.
    p50Ms: Math.max(...stats.map((s) => s.p50Ms)), p99Ms: Math.max(...stats.map((s) => s.p99Ms)),
  };
}

const row = (r: ScaleOutRun) =>
  `${`${r.scenario} ${r.title}`.padEnd(30)} ${String(r.instances).padStart(9)} ${String(r.connections).padStart(6)} ${r.rps.toFixed(0).padStart(9)} ` +
  `${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(1).padStart(8)} ${String(r.non2xx).padStart(8)} ${String(r.errors).padStart(7)} ` +
  `${r.growth === undefined ? '' : `×${r.growth.toFixed(2)}`}`;

export async function runScaleOut(env: NodeJS.ProcessEnv): Promise<void> {
  const startedAt = new Date().toISOString();
  const maxInstances = positiveInteger(env, 'BENCH_INSTANCES', 2, 8);
  const durationS = positiveInteger(env, 'BENCH_DURATION', 10, 600);
  const connections = positiveInteger(env, 'BENCH_SCALE_CONNECTIONS', 32, 1024);
  const scenarioIds = (env.BENCH_SCALE_SCENARIOS || '3,4').split(',').map((s) => s.trim());
  for (const id of scenarioIds) if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`unknown scenario ${id}`);

  let database: TestDatabase | undefined;
  const servers: ServerProcess[] = [];
  const dataDir = benchWorkspace('openpool-bench-scale-', () => servers.map((s) => s.pid), log);
  try {
    database = await createTestDatabase();
    log(`PostgreSQL database ${database.name}; up to ${maxInstances} instances; ${connections} connections; ${durationS} s per run`);
    const configFile = join(dataDir, 'openpool.json');
    writeFileSync(configFile, JSON.stringify(benchConfig(), null, 2));
    const start = () => startServer({ dataDir, configFile, databaseUrl: database!.url, env: { OPENPOOL_SECRET_KEY: SECRET_KEY } });
    servers.push(await start());
    // Users and tokens live in the shared database, so one preparation serves every instance.
    const prepared = await prepareTarget(servers[0]!.url, { users: connections });
    const targets = () => servers.map((s) => ({ ...prepared, base: new URL(s.url) }));

    const runs: ScaleOutRun[] = [];
    process.stdout.write(`${'scenario'.padEnd(30)} instances  conns     req/s   p50 ms   p99 ms  non-2xx  errors  growth\n${'-'.repeat(100)}\n`);
    const single = new Map<string, number>();
    for (let n = 1; n <= maxInstances; n++) {
      if (n > 1) servers.push(await start());
      for (const id of scenarioIds) {
        await runSplit(id, targets(), Math.min(16, connections), Math.min(3, durationS)); // warm-up
        const run: ScaleOutRun = await runSplit(id, targets(), connections, durationS);
        if (n === 1) single.set(id, run.rps);
        else run.growth = run.rps / (single.get(id) || Number.NaN);
        runs.push(run);
        process.stdout.write(`${row(run)}\n`);
      }
    }
    const file = writeResults({
      label: durationS < 10 ? 'trial' : '', mode: 'scale-out', startedAt, finishedAt: new Date().toISOString(), commit: gitCommit(), machine: machine(),
      options: { instances: maxInstances, connections, durationS, scenarios: scenarioIds, database: 'PostgreSQL (local)', logLevel: 'info' },
      runs,
    }, (stamp) => `${stamp}-scale-out.json`);
    process.stdout.write(`\nResults: ${file}\n`);
  } finally {
    for (const s of servers) await s.stop();
    servers.length = 0;
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
