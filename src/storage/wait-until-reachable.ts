import { StorageUnavailableError } from './storage.js';

export interface ReachabilityCheck {
  /** Who is waited for, as messages name it: "PostgreSQL at host:5432/db", "Redis at … (REDIS_URL)". */
  name: string;
  /** How long to keep trying; 0 tries once. */
  budgetMs: number;
  /** One connection and a trivial command, giving up after `timeoutMs`, with no retry of its own. */
  attempt(timeoutMs: number): Promise<void>;
  /** The error's reason, for messages (never a password: callers' drivers do not put one there). */
  reasonOf(error: unknown): string;
  /** Refusals that will not fix themselves (a wrong password): no point waiting. */
  isPermanent(error: unknown): boolean;
  onRetry?: (retry: { attempt: number; delayMs: number; reason: string }) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Startup's wait for a server that may still be starting (compose, an orchestrator): tries with
 * exponential backoff (100 ms doubling to 5 s) until it answers or the budget is spent, then
 * fails with StorageUnavailableError naming the server and the last reason. No attempt outlives
 * the budget, and the last wait is cut short so that one more attempt falls at the deadline.
 */
export async function waitUntilReachable(check: ReachabilityCheck): Promise<void> {
  const deadline = Date.now() + check.budgetMs;
  let delayMs = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      await check.attempt(Math.max(250, Math.min(5_000, deadline - Date.now())));
      return;
    } catch (error) {
      const reason = check.reasonOf(error);
      if (check.isPermanent(error)) throw new StorageUnavailableError(`${check.name} refused OpenPool: ${reason}`, { cause: error });
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StorageUnavailableError(
          `${check.name} did not answer within ${Math.round(check.budgetMs / 1000)} s (${attempt} attempt${attempt === 1 ? '' : 's'}): ${reason}`,
          { cause: error });
      }
      const wait = Math.min(delayMs, left);
      check.onRetry?.({ attempt, delayMs: wait, reason });
      await sleep(wait);
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}
