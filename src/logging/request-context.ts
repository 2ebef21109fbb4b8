import { AsyncLocalStorage } from 'node:async_hooks';

/** Where the request being served came from: the HTTP layer fills it, the audit trail reads it. */
export interface RequestContext {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

// The core never sees this: it does not know requests, and the audit port stamps what it needs.
const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts) with `context` as the current request. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current request's context; undefined outside a request (startup, config apply, tests of the core). */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
