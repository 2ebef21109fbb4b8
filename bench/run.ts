/**
 * `npm run bench`: the benchmark of issue 6. Measures this machine's ceilings, seeds a large
 * directory into a fresh SQLite file, starts OpenPool on it as a child process, prepares users
 * and tokens through the API, then runs every scenario at each connection count after a
 * warm-up, printing a table and writing bench/results/<timestamp>.json.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ceilingFor, measureCeilings } from './ceilings.js';
import { connectionCounts, positive, positiveInteger } from './options.js';
import { ceilingsText, gitCommit, machine, soakRecord, soakText, tableHeader, tableRow, writeResults, type Results, type RunRecord } from './report.js';
import { SCENARIOS, selectScenarios, type Scenario } from './scenarios.js';
import { benchConfig, seedDirectory } from './seed.js';
import { cpuMs, rssMb, rssPeakSampler, benchWorkspace, startServer, type ServerProcess } from './server.js';
import { prepareTarget, type Target } from './target.js';

interface Options {
  durationS: number;
  warmupS: number;
  connections: number[];
  scenarios: Scenario[];
  directoryUsers: number;
  ceilingSeconds: number;
  soak: boolean;
  soakSeconds: number;
  label: string;
  serverLog?: string;
}

function readOptions(env: NodeJS.ProcessEnv): Options {
  const durationS = positive(env, 'BENCH_DURATION', 10, 600);
  const connections = connectionCounts(env, '1,16,64');
  return {
    durationS,
    warmupS: positive(env, 'BENCH_WARMUP', Math.min(3, durationS), 60),
    connections,
    scenarios: selectScenarios(env.BENCH_SCENARIOS),
    directoryUsers: positiveInteger(env, 'BENCH_USERS', 100_000, 2_000_000),
    ceilingSeconds: positive(env, 'BENCH_CEILING_SECONDS', 3, 60),
    soak: env.BENCH_SOAK === '1',
    soakSeconds: positive(env, 'BENCH_SOAK_SECONDS', 60, 600),
    label: env.BENCH_LABEL || (durationS < 10 ? 'trial' : ''),
    serverLog: env.BENCH_SERVER_LOG || undefined,
  };
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function measure(server: ServerProcess, target: Target, scenario: Scenario, connections: number, durationS: number, ceilings: Results['ceilings']): Promise<RunRecord> {
  await server.settle();
  await server.eventLoopDelay(true);
  const rss = rssPeakSampler(server.pid);
  const cpuBefore = cpuMs(server.pid);
  const generatorBefore = process.cpuUsage();
  const stats = await scenario.run(target, { connections, durationS });
  const generator = process.cpuUsage(generatorBefore);
  // Work the server still had queued when the clock ran out belongs to this run's CPU.
  await server.settle();
  const cpu = cpuMs(server.pid) - cpuBefore;
  const peakRssMb = rss.stopMb();
  const eventLoopDelay = await server.eventLoopDelay(true);
  const ceiling = ceilingFor(scenario.bound, ceilings);
  return {
    scenario: scenario.id, title: scenario.title, unit: scenario.unit, connections,
    durationS: stats.durationS, sent: stats.sent, requests: stats.requests, ok: stats.ok, non2xx: stats.non2xx, errors: stats.errors,
    rps: stats.rps, p50Ms: stats.p50Ms, p99Ms: stats.p99Ms,
    // Per request sent: requests cut off by the deadline were still served, and their CPU is in `cpu`.
    cpuMsPerRequest: stats.sent > 0 ? cpu / stats.sent : Number.NaN,
    loadGeneratorCpuMsPerRequest: stats.sent > 0 ? (generator.user + generator.system) / 1000 / stats.sent : Number.NaN,
    peakRssMb, eventLoopDelay,
    ...(ceiling ? { ceiling, fractionOfCeiling: stats.rps / ceiling.perSecond } : {}),
  };
}

async function main() {
  const options = readOptions(process.env);
  const startedAt = new Date().toISOString();
  log(`scenarios ${options.scenarios.map((s) => s.id).join(', ')}; connections ${options.connections.join(', ')}; ${options.durationS} s each after a ${options.warmupS} s warm-up`);

  log('measuring ceilings (server not running yet)');
  const ceilings = await measureCeilings(options.ceilingSeconds);
  process.stdout.write(`${ceilingsText(ceilings)}\n\n`);

  let server: ServerProcess | undefined;
  const dataDir = benchWorkspace('openpool-bench-', () => (server ? [server.pid] : []), log);

  try {
    const configFile = join(dataDir, 'openpool.json');
    writeFileSync(configFile, JSON.stringify(benchConfig(), null, 2));
    log(`seeding ${options.directoryUsers} users into ${dataDir}/openpool.db`);
    const directory = await seedDirectory(join(dataDir, 'openpool.db'), options.directoryUsers);
    log(`seeded ${directory.users} users in ${(directory.ms / 1000).toFixed(1)} s; starting OpenPool`);
    server = await startServer({ dataDir, configFile, logFile: options.serverLog });
    log(`OpenPool pid ${server.pid} at ${server.url} (${server.settings}); creating sign-in users and tokens through the API`);
    const rssAfterStartMb = rssMb(server.pid);
    const target = await prepareTarget(server.url, { users: Math.max(...options.connections), directorySize: directory.users });
    await server.settle();
    const rssAfterSetupMb = rssMb(server.pid);
    log(`server RSS ${rssAfterStartMb.toFixed(0)} MB after start, ${rssAfterSetupMb.toFixed(0)} MB after setup`);

    const runs: RunRecord[] = [];
    process.stdout.write(`${tableHeader()}\n`);
    for (const scenario of options.scenarios) {
      const limit = scenario.maxConnections ?? Infinity;
      const counts = options.connections.filter((c) => c <= limit);
      if (counts.length === 0) counts.push(limit);
      await server.settle();
      await scenario.run(target, { connections: Math.min(16, Math.max(...counts)), durationS: options.warmupS });
      for (const connections of counts) {
        const record = await measure(server, target, scenario, connections, options.durationS, ceilings);
        runs.push(record);
        process.stdout.write(`${tableRow(record)}\n`);
      }
    }

    let soak: Results['soak'];
    if (options.soak) {
      const scenario = SCENARIOS.find((s) => s.id === '4')!;
      log(`no-decay check: scenario ${scenario.id} at 16 connections for ${options.soakSeconds} s`);
      await server.settle();
      const stats = await scenario.run(target, { connections: 16, durationS: options.soakSeconds });
      soak = soakRecord(scenario.id, 16, stats.perSecond);
      process.stdout.write(`\n${soakText(soak)}\n`);
    }

    const results: Results = {
      label: options.label, startedAt, finishedAt: new Date().toISOString(), commit: gitCommit(), machine: machine(),
      options: {
        durationS: options.durationS, warmupS: options.warmupS, connections: options.connections, scenarios: options.scenarios.map((s) => s.id),
        directoryUsers: options.directoryUsers, ceilingSeconds: options.ceilingSeconds, soak: options.soak, soakSeconds: options.soak ? options.soakSeconds : undefined,
        server: `one process, SQLite (WAL), LOG_LEVEL=info (stdout to /dev/null), RATE_LIMIT_PER_MINUTE=1000000, ${server.settings}`,
      },
      directory: { users: directory.users, seedMs: Math.round(directory.ms) },
      serverRssMb: { afterStart: rssAfterStartMb, afterSetup: rssAfterSetupMb },
      ceilings, runs, soak,
    };
    const file = writeResults(results);
    process.stdout.write(`\nResults: ${file}${options.label ? ` (label: ${options.label})` : ''}\n`);
  } finally {
    if (server) await server.stop();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mode = (name: string) => process.argv.includes(name) || process.env.BENCH_MODE === name;
const run = mode('scale-out')
  ? import('./scale-out.js').then((m) => m.runScaleOut(process.env))
  : mode('compare')
    ? import('./compare.js').then((m) => m.runCompare(process.env))
    : main();
run.then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  },
);
