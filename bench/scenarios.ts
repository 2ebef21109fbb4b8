/**
 * The scenarios of issue 6. Each one drives a prepared Target for a bounded time and returns the
 * same statistics; none of them knows whether the server is a child process or in-process.
 */
import autocannon from 'autocannon';
import { createHistogram } from 'node:perf_hooks';
import { apiHeaders, basicAuth, FlowError, form, hostedCodeFlow, httpRequest, oneConnection, signedAdminCall } from './http.js';
import { BENCH } from './seed.js';
import type { Target } from './target.js';

/** What one request (or flow) costs in the operations the machine's ceilings measure. */
export interface Bound {
  argon2?: number;
  signatures?: number;
  verifications?: number;
}

export interface RunOptions {
  connections: number;
  durationS: number;
}

export interface RunStats {
  /** Requests sent, including those still in flight when the time ran out (the server finishes them). */
  sent: number;
  /** Completed requests (flows for the code-flow scenario), whatever their status. */
  requests: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  durationS: number;
  /** Successful requests per second. */
  rps: number;
  /** NaN (null in the results file) when nothing completed. */
  p50Ms: number;
  p99Ms: number;
  /** Successful requests in each whole second of the run (for the no-decay check). */
  perSecond: number[];
}

export interface Scenario {
  id: string;
  title: string;
  /** What one counted unit is: an HTTP request, or a whole sign-in flow of several requests. */
  unit: 'request' | 'flow';
  bound?: Bound;
  /** Above this many connections a run only measures queueing, and leaves minutes of backlog. */
  maxConnections?: number;
  run(target: Target, options: RunOptions): Promise<RunStats>;
  /** The prebuilt requests `run` sends (autocannon scenarios only), for the compare mode's checks. */
  requests?(target: Target): Requests | Promise<Requests>;
}

export type Requests = autocannon.Request[];

/** Accumulates latency (µs resolution; autocannon's own histogram keeps whole milliseconds) and per-second counts. */
function recorder() {
  const latency = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });
  const perSecond: number[] = [];
  const started = performance.now();
  return {
    record(ms: number, ok: boolean) {
      latency.record(Math.max(1, Math.round(ms * 1000)));
      if (!ok) return;
      const second = Math.floor((performance.now() - started) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    },
    finish(counts: { sent: number; requests: number; ok: number; non2xx: number; errors: number; durationS: number }): RunStats {
      const whole = Math.floor(counts.durationS);
      const seconds = Array.from({ length: whole }, (_, i) => perSecond[i] ?? 0);
      const empty = latency.count === 0;
      return {
        ...counts,
        rps: counts.durationS > 0 ? counts.ok / counts.durationS : 0,
        // Nothing completed (a 64-connection sign-in shorter than one queue's wait): no latency to report.
        p50Ms: empty ? Number.NaN : latency.percentile(50) / 1000,
        p99Ms: empty ? Number.NaN : latency.percentile(99) / 1000,
        perSecond: seconds,
      };
    },
  };
}

/**
 * Runs autocannon over a list of prebuilt requests. Connection i starts i/connections of the way
 * into the list, so users, tokens and lookups are spread over connections from the first request.
 * Only the target's base URL is used, so the compare mode drives other servers with it too.
 */
export function cannon(target: Pick<Target, 'base'>, requests: Requests, options: RunOptions): Promise<RunStats> {
  const rec = recorder();
  let nextClient = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.base.origin,
        connections: options.connections,
        duration: options.durationS,
        requests,
        // Long enough that a slow scenario is reported as slow rather than as errors.
        timeout: 60,
        setupClient: (client) => {
          const start = Math.floor((nextClient++ * requests.length) / options.connections) % requests.length;
          if (start > 0) client.setRequests([...requests.slice(start), ...requests.slice(0, start)]);
        },
      },
      (error, result) => {
        if (error) return reject(error);
        resolve(rec.finish({
          sent: result.requests.sent,
          requests: result.requests.total,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          durationS: result.duration,
        }));
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => rec.record(ms, status >= 200 && status < 300));
  });
}

const spread = <T>(count: number, fn: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => fn(i));
/** Knuth's multiplicative hash: lookups spread over the whole directory, and the same ones every run. */
const pick = (size: number, i: number) => Math.floor((((i * 2654435761) >>> 0) / 2 ** 32) * size);

function autocannonScenario(
  id: string, title: string, bound: Bound | undefined, build: (t: Target) => Requests | Promise<Requests>, extra: Partial<Scenario> = {},
): Scenario {
  return { id, title, unit: 'request', bound, run: async (t, o) => cannon(t, await build(t), o), requests: build, ...extra };
}

/** A token-endpoint request; `path` for servers whose endpoint is elsewhere (oidc-provider's /token). */
export const tokenRequest = (authorization: string, fields: Record<string, string>, path = '/oauth2/token'): autocannon.Request => ({
  method: 'POST', path,
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
  body: form(fields),
});

/** Admin calls, signed before the run; a few hundred distinct ones so lookups do not hit one row. */
async function adminRequests(t: Target, count: number, payload: (i: number) => { operation: string; body: unknown }): Promise<Requests> {
  return Promise.all(spread(count, async (i) => {
    const { operation, body } = payload(i);
    const call = await signedAdminCall(t.base, t.admin, operation, body);
    return { method: 'POST', path: '/', headers: call.headers, body: call.body } satisfies autocannon.Request;
  }));
}

/** Walks the first pages of ListUsers and returns their pagination tokens (the first page has none). */
async function pageTokens(t: Target, pages: number): Promise<(string | undefined)[]> {
  const agent = oneConnection();
  const tokens: (string | undefined)[] = [undefined];
  try {
    while (tokens.length < pages) {
      const token = tokens[tokens.length - 1];
      const call = await signedAdminCall(t.base, t.admin, 'ListUsers', { UserPoolId: t.poolId, Limit: 60, ...(token ? { PaginationToken: token } : {}) });
      const res = await httpRequest(agent, t.base, 'POST', '/', call);
      if (res.status !== 200) throw new Error(`ListUsers: ${res.status} ${res.body.slice(0, 200)}`);
      const next = (JSON.parse(res.body) as { PaginationToken?: string }).PaginationToken;
      if (!next) break;
      tokens.push(next);
    }
  } finally {
    agent.destroy();
  }
  return tokens;
}

/**
 * The whole hosted code flow per virtual user, each on its own keep-alive connection, until the
 * time is up. Autocannon counts every hop (two of them 302s) as a request; here the unit is the
 * flow, and its latency is the user's wait from authorize to tokens.
 */
async function codeFlowLoop(t: Target, options: RunOptions): Promise<RunStats> {
  if (t.users.length < options.connections) throw new Error(`the code flow needs one user per connection: ${t.users.length} users for ${options.connections} connections`);
  const rec = recorder();
  const client = { id: t.clients.public.id, redirectUri: t.callback, scope: BENCH.userScope };
  const counts = { requests: 0, ok: 0, non2xx: 0, errors: 0 };
  const started = performance.now();
  const deadline = started + options.durationS * 1000;
  await Promise.all(spread(options.connections, async (i) => {
    const agent = oneConnection();
    try {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await hostedCodeFlow(agent, t.base, client, t.users[i]!, t.password);
          counts.ok++;
          rec.record(performance.now() - t0, true);
        } catch (error) {
          if (!(error instanceof FlowError)) {
            counts.errors++;
            // A dead connection would fail every later flow at once; pause so errors stay countable.
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          counts.non2xx++;
          rec.record(performance.now() - t0, false);
        }
        counts.requests++;
      }
    } finally {
      agent.destroy();
    }
  }));
  // Flows in progress at the deadline are finished, not abandoned, so every one sent completed or failed.
  return rec.finish({ ...counts, sent: counts.requests + counts.errors, durationS: (performance.now() - started) / 1000 });
}

export const SCENARIOS: Scenario[] = [
  autocannonScenario('1', 'GET discovery', undefined, (t) => [{ method: 'GET', path: `/${t.poolId}/.well-known/openid-configuration` }]),
  autocannonScenario('2', 'GET JWKS', undefined, (t) => [{ method: 'GET', path: `/${t.poolId}/.well-known/jwks.json` }]),
  autocannonScenario('3', 'token client_credentials', { signatures: 1 }, (t) => [
    tokenRequest(basicAuth(t.clients.machine.id, t.clients.machine.secret), { grant_type: 'client_credentials', scope: BENCH.machineScope }),
  ]),
  autocannonScenario('4', 'token refresh_token', { signatures: 2 }, (t) =>
    t.tokens.map((tokens) =>
      tokenRequest(basicAuth(t.clients.confidential.id, t.clients.confidential.secret), { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }))),
  autocannonScenario('5', 'GET userInfo', { verifications: 1 }, (t) =>
    t.tokens.map((tokens) => ({ method: 'GET', path: '/oauth2/userInfo', headers: { authorization: `Bearer ${tokens.access_token}` } }))),
  autocannonScenario('6', 'InitiateAuth USER_PASSWORD_AUTH', { argon2: 1, signatures: 2 }, (t) =>
    t.users.map((username) => ({
      method: 'POST', path: '/', headers: apiHeaders('InitiateAuth'),
      body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: t.clients.public.id, AuthParameters: { USERNAME: username, PASSWORD: t.password } }),
    }))),
  { id: '7', title: 'hosted code flow (4 requests)', unit: 'flow', bound: { argon2: 1, signatures: 2 }, run: codeFlowLoop },
  autocannonScenario('8a', 'AdminGetUser (directory)', undefined, (t) =>
    adminRequests(t, 256, (i) => ({ operation: 'AdminGetUser', body: { UserPoolId: t.poolId, Username: t.directory.email(pick(t.directory.size, i)) } }))),
  autocannonScenario('8b', 'ListUsers pages of 60', undefined, async (t) => {
    const tokens = await pageTokens(t, 8);
    return adminRequests(t, tokens.length, (i) => ({
      operation: 'ListUsers', body: { UserPoolId: t.poolId, Limit: 60, ...(tokens[i] ? { PaginationToken: tokens[i] } : {}) },
    }));
  }),
  // A filter matching one user: whether filtered listing is indexed or reads the whole directory.
  // One connection only: while requests take seconds each, more connections only add queueing.
  autocannonScenario('8c', 'ListUsers Filter email = (one match)', undefined, (t) =>
    adminRequests(t, 64, (i) => ({
      operation: 'ListUsers', body: { UserPoolId: t.poolId, Limit: 60, Filter: `email = "${t.directory.email(pick(t.directory.size, i + 1000))}"` },
    })), { maxConnections: 1 }),
];

/** BENCH_SCENARIOS entries: an id ("4", "8b") or a scenario number ("8" selects 8a, 8b and 8c). */
export function selectScenarios(list: string | undefined): Scenario[] {
  if (!list || list.trim() === '') return SCENARIOS;
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.id === w || s.id.replace(/[a-z]$/, '') === w));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return SCENARIOS.filter((s) => wanted.some((w) => s.id === w || s.id.replace(/[a-z]$/, '') === w));
}
