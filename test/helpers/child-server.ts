import type { ChildProcess } from 'node:child_process';

export interface UntilHealthyOptions {
  timeoutMs?: number;
  context?: () => string;
}

/**
 * Resolves once a server started as a child process answers `GET /health` with 200; rejects as
 * soon as the child exits, or after `timeoutMs`. `context()` is appended to the error (the
 * child's output, say).
 */
export async function untilHealthy(url: string, child: ChildProcess, { timeoutMs = 15_000, context = () => '' }: UntilHealthyOptions = {}): Promise<void> {
  let onExit!: (code: number | null, signal: NodeJS.Signals | null) => void;
  const exited = new Promise<never>((_, reject) => {
    onExit = (code, signal) => reject(new Error(`server exited (${code ?? signal}) during startup:\n${context()}`));
    child.once('exit', onExit);
  });
  const ready = (async () => {
    const running = () => child.exitCode === null && child.signalCode === null;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      // Once the child is gone, `exited` carries the failure; polling on would reject unobserved.
      if (!running()) return;
      try {
        if ((await fetch(`${url}/health`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready within ${timeoutMs / 1000} s:\n${context()}`);
  })();
  try {
    await Promise.race([ready, exited]);
  } finally {
    child.off('exit', onExit);
  }
}
