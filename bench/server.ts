/**
 * OpenPool as a child process, so its CPU time and memory are measured apart from the load
 * generator: CPU from /proc/<pid>/stat, RSS from /proc/<pid>/status, event-loop delay from the
 * preload module over the IPC channel.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpRequest, oneConnection } from './http.js';
import { freePort } from '../test/helpers/ports.js';
import { NODE_FLAGS, PROCESS_ENV, shellAssignments } from '../src/config/process-settings.js';

export { freePort };

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const PRELOAD = new URL('./eld-preload.js', import.meta.url).href;
// The allocator's settings (glibc's, or another allocator preloaded with its MALLOC_CONF), libuv's pool
// size and Node's options pass through to the server, so their effects can be measured.
const PASSED = new Set(['UV_THREADPOOL_SIZE', 'NODE_OPTIONS', 'GLIBC_TUNABLES', 'LD_PRELOAD']);
const passedThrough = (name: string) => name.startsWith('MALLOC_') || PASSED.has(name);

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100; // USER_HZ on every mainstream Linux
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process (all its threads: libuv's pool where argon2 runs included), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export const rssMb = (pid: number) => statusKb(pid, 'VmRSS') / 1024;

/**
 * Peak RSS over one scenario: VmRSS sampled every 100 ms, and the kernel's own high-water mark
 * (VmHWM) when it can be reset for the scenario (clear_refs 5), which also catches spikes
 * between samples.
 */
export function rssPeakSampler(pid: number) {
  let hwmReset = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    hwmReset = true;
  } catch {
    // Not permitted on this kernel or container: sampling alone.
  }
  let peakKb = statusKb(pid, 'VmRSS');
  const timer = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'));
    } catch {
      // the process is gone; the run will report that
    }
  }, 100);
  timer.unref();
  return {
    stopMb(): number {
      clearInterval(timer);
      let kb = peakKb;
      try {
        kb = Math.max(kb, statusKb(pid, 'VmRSS'), hwmReset ? statusKb(pid, 'VmHWM') : 0);
      } catch {
        // keep the sampled peak
      }
      return kb / 1024;
    },
  };
}

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** What its node ran with, as a shell would write it: process settings, what passed through, node flags. */
  settings: string;
  /** The server's event-loop delay since the last reset; `reset` starts a new window. */
  eventLoopDelay(reset?: boolean): Promise<EventLoopDelay>;
  /** Waits until the server answers /health promptly again (work queued by a finished run is done). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  configFile: string;
  /** Where the server's stdout (its request log) goes; /dev/null by default, so logging costs the server but not the disk. */
  logFile?: string;
  /** Another database than the SQLite file in dataDir (the scale-out mode's PostgreSQL). */
  databaseUrl?: string;
  /** Variables added to the clean environment (e.g. OPENPOOL_SECRET_KEY for PostgreSQL). */
  env?: Record<string, string>;
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stdout = openSync(options.logFile ?? '/dev/null', 'a');
  const stderrFile = join(options.dataDir, `server-${port}.stderr.log`);
  const stderr = openSync(stderrFile, 'a');
  // A clean environment: the caller's SMTP_URL, LOG_LEVEL or the like must not change what is measured.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? `sqlite:${join(options.dataDir, 'openpool.db')}`,
    LOG_LEVEL: 'info',
    // The per-IP limit would otherwise answer 429 to a load generator that is one IP; the
    // limiter itself still runs on every limited request, so its cost is measured.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // As `npm start`, the `openpool` command and the Docker image run it (README: Performance).
    ...PROCESS_ENV,
    ...options.env,
  };
  for (const [name, value] of Object.entries(process.env)) if (passedThrough(name) && value !== undefined) env[name] = value;
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (for the README's profiling notes).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_FLAGS: more flags for the server's node, after its own (V8 flags NODE_OPTIONS refuses).
  const flags = [...NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
  const settingsEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => (e[0] in PROCESS_ENV || passedThrough(e[0])) && e[1] !== undefined));
  const child: ChildProcess = spawn(process.execPath, [...profile, ...flags, '--import', PRELOAD, CLI, '--config', options.configFile], {
    env, stdio: ['ignore', stdout, stderr, 'ipc'], cwd: options.dataDir,
  });
  closeSync(stdout);
  closeSync(stderr);
  const pending = new Map<number, (d: EventLoopDelay) => void>();
  let nextId = 1;
  child.on('message', (m: { type?: string; id?: number } & EventLoopDelay) => {
    if (m?.type === 'eld' && m.id !== undefined) pending.get(m.id)?.({ p50Ms: m.p50Ms, p99Ms: m.p99Ms, maxMs: m.maxMs });
  });
  const supervised = await superviseChild('OpenPool', child, new URL(url), '/health', stderrFile);

  return {
    url,
    pid: child.pid!,
    settings: `${shellAssignments(settingsEnv)} node ${flags.join(' ')}`,
    eventLoopDelay(reset = false) {
      const gone = supervised.gone();
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { pending.delete(id); reject(new Error('no event-loop report from the server in 10 s')); }, 10_000);
        pending.set(id, (d) => { clearTimeout(timer); pending.delete(id); resolve(d); });
        child.send({ type: 'eld', id, reset });
      });
    },
    settle: supervised.settle,
    stop: supervised.stop,
  };
}

export interface SupervisedChild {
  /** SIGTERM, then SIGKILL if it is still running 5 s later. */
  stop(): Promise<void>;
  /** Waits until `readyPath` is answered promptly three times in a row (work queued by a finished run is done). */
  settle(): Promise<void>;
  /** Why the child is gone (its exit and the end of its stderr), or undefined while it runs. */
  gone(): Error | undefined;
}

/** Watches a spawned server: resolves once `readyPath` answers 200 (within 60 s), else stops it and fails. */
export async function superviseChild(name: string, child: ChildProcess, base: URL, readyPath: string, stderrFile: string): Promise<SupervisedChild> {
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code, signal) => { exited = String(code ?? signal); resolve(); }));
  const gone = () => (exited === undefined ? undefined : new Error(`${name} exited (${exited}):\n${readFileSync(stderrFile, 'utf8').slice(-4000)}`));
  const agent = oneConnection();
  const stop = async () => {
    agent.destroy();
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killer);
    }
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    const error = gone();
    if (error) throw error;
    const ok = await httpRequest(agent, base, 'GET', readyPath, { timeoutMs: 2_000 }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer GET ${readyPath} within 60 s:\n${readFileSync(stderrFile, 'utf8').slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    stop,
    gone,
    async settle() {
      const until = Date.now() + 120_000;
      let quick = 0;
      while (quick < 3 && Date.now() < until) {
        const error = gone();
        if (error) throw error;
        const t0 = performance.now();
        await httpRequest(agent, base, 'GET', readyPath, { timeoutMs: 120_000 }).catch(() => undefined);
        quick = performance.now() - t0 < 20 ? quick + 1 : 0;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * A temporary folder for one bench run. However this process ends (done, failing, Ctrl-C or
 * SIGTERM), the servers `pids()` names are killed and the folder is removed.
 */
export function benchWorkspace(prefix: string, pids: () => number[], log: (message: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cleanup = () => {
    for (const pid of pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      cleanup();
      // The shell's convention: 128 + the signal's number.
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  return dir;
}
