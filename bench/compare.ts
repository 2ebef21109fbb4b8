/**
 * `npm run bench -- compare` (or BENCH_MODE=compare): OpenPool side by side with node-oidc-provider
 * and cognito-local on this machine, with the same workload: discovery, JWKS, client_credentials,
 * refresh and userInfo (plus two Cognito API rows that only OpenPool and cognito-local have).
 *
 * The competitors are installed on demand into bench/.compare (git-ignored, never a dependency of
 * the project) and each runs as its own child process through a launcher in bench/compare/. All
 * servers stay up and are measured one at a time, each row alternating between them over the
 * rounds; each is set up through its own HTTP API, every request a row will send is checked once
 * (a misconfiguration must not be reported as speed), then every row runs after a warm-up, with
 * the server's CPU and peak RSS recorded as in the main mode.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { apiHeaders, basicAuth, form, httpRequest, oneConnection, type FlowTokens, type HttpResponse } from './http.js';
import { connectionCounts, positive, positiveInteger } from './options.js';
import { fixed, gitCommit, machine, num, writeResults } from './report.js';
import { cannon, SCENARIOS, tokenRequest, type Requests, type RunStats } from './scenarios.js';
import { BENCH, benchConfig, signInEmail } from './seed.js';
import { cpuMs, freePort, rssMb, rssPeakSampler, benchWorkspace, startServer, superviseChild } from './server.js';
import { prepareTarget, type Target } from './target.js';

/** Exact versions, checked before every run; another version in bench/.compare is replaced. */
export const COMPETITORS = { 'oidc-provider': '9.13.3', 'cognito-local': '5.3.0' } as const;
type ServerName = 'OpenPool' | keyof typeof COMPETITORS;
const SERVER_NAMES: ServerName[] = ['OpenPool', 'oidc-provider', 'cognito-local'];

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const COMPARE_DIR = join(REPO, 'bench', '.compare');
const LAUNCHERS = join(REPO, 'bench', 'compare');

const log = (message: string) => process.stderr.write(`[bench compare] ${message}\n`);

/** The rows: the five of issue 6, and two Cognito API calls only OpenPool and cognito-local answer. */
const ROWS = [
  { id: '1', title: 'GET discovery' },
  { id: '2', title: 'GET JWKS' },
  { id: '3', title: 'token client_credentials' },
  { id: '4', title: 'token refresh_token' },
  { id: '4b', title: 'InitiateAuth REFRESH_TOKEN_AUTH' },
  { id: '5', title: 'GET userInfo' },
  { id: '5b', title: 'GetUser (access token)' },
] as const;
type RowId = (typeof ROWS)[number]['id'];

/** What one server does for one row: requests to measure and a check of the first one's answer, or why it cannot. */
type Plan =
  | { requests: Requests; describe: string; check(res: HttpResponse): string | undefined }
  | { na: string; probe?: autocannon.Request };

interface Contestant {
  name: ServerName;
  version: string;
  setup: string;
  pid: number;
  base: URL;
  rssAfterStartMb: number;
  rssAfterSetupMb: number;
  /** A plan, or a function making it just before its row runs (tokens that must still be valid then). */
  plans: Partial<Record<RowId, Plan | (() => Promise<Plan>)>>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

interface CompareRun {
  scenario: RowId;
  title: string;
  server: ServerName;
  connections: number;
  request?: string;
  /** Why there is no measurement: the server has no such endpoint, or its answer failed the check. */
  skipped?: string;
  sent?: number;
  requests?: number;
  ok?: number;
  non2xx?: number;
  errors?: number;
  durationS?: number;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuMsPerRequest?: number;
  peakRssMb?: number;
  /** Set when most answers were not 2xx (or most requests failed): no throughput is reported then. */
  flagged?: string;
  /** On OpenPool's rows: its req/s over the best competitor's at the same connection count. */
  ratioToBest?: { ratio: number; competitor: ServerName };
  /** req/s of each round; the figures above are the medians over the rounds (non-2xx and errors: sums). */
  roundsRps?: number[];
}

interface Options {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number[];
  rows: RowId[];
  servers: ServerName[];
  label: string;
}

function list<T extends string>(env: NodeJS.ProcessEnv, name: string, known: readonly T[], match: (w: string, k: T) => boolean): T[] {
  const raw = env[name];
  if (!raw || raw.trim() === '') return [...known];
  const wanted = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !known.some((k) => match(w, k)));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}; known in compare mode: ${known.join(', ')}`);
  return known.filter((k) => wanted.some((w) => match(w, k)));
}

function readOptions(env: NodeJS.ProcessEnv): Options {
  const durationS = positive(env, 'BENCH_DURATION', 10, 600);
  const connections = connectionCounts(env, '16');
  return {
    durationS,
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 3, 20),
    warmupS: positive(env, 'BENCH_WARMUP', Math.min(3, durationS), 60),
    connections,
    // "4" selects 4 and 4b, as "8" selects 8a..8c in the main mode.
    rows: list(env, 'BENCH_SCENARIOS', ROWS.map((r) => r.id), (w, k) => k === w || k.replace(/[a-z]$/, '') === w),
    servers: list(env, 'BENCH_COMPARE_SERVERS', SERVER_NAMES, (w, k) => k.toLowerCase() === w.toLowerCase()),
    label: env.BENCH_LABEL || (durationS < 10 ? 'trial' : ''),
  };
}

// ---------------------------------------------------------------------------------------------
// Installing the competitors

function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(COMPARE_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** npm install into bench/.compare unless the pinned versions are there already. */
export function ensureCompetitors(): void {
  const specs = Object.entries(COMPETITORS).map(([name, version]) => `${name}@${version}`);
  const wrong = Object.entries(COMPETITORS).filter(([name, version]) => installedVersion(name) !== version);
  if (wrong.length === 0) {
    log(`${specs.join(' and ')} already in bench/.compare`);
    return;
  }
  log(`installing ${specs.join(' and ')} into bench/.compare from the npm registry (not a dependency of the project; ${wrong.map(([n]) => `${n}: ${installedVersion(n) ?? 'missing'}`).join(', ')})`);
  mkdirSync(COMPARE_DIR, { recursive: true });
  const args = ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', COMPARE_DIR, ...specs];
  const result = spawnSync('npm', args, { cwd: COMPARE_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  const missing = Object.entries(COMPETITORS).filter(([name, version]) => installedVersion(name) !== version);
  if (result.error || result.status !== 0 || missing.length > 0) {
    // npm's own error lines, without its stack trace.
    const lines = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').filter((l) => l.trim() && !/^npm error\s+at |^npm error\s*[{}]?$/.test(l));
    const output = lines.slice(0, 6).join('\n');
    throw new Error([
      `compare mode: could not install ${specs.join(' and ')} into ${COMPARE_DIR}.`,
      `This mode needs the npm registry once (\`npm ${args.join(' ')}\`); later runs reuse the folder.`,
      `Check the network or the registry settings (npm config get registry), or run that command yourself and try again.`,
      result.error ? `npm could not run: ${result.error.message}` : `npm exited with ${result.status ?? result.signal}${missing.length ? `; still missing: ${missing.map(([n]) => n).join(', ')}` : ''}. It said:`,
      output,
    ].join('\n'));
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function jwtPart(token: unknown, part: 0 | 1): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function json(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    return JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The error an answer names (OAuth `error`, Cognito `__type`), or the start of its body. */
function errorName(res: HttpResponse): string {
  const body = json(res);
  // An HTML error page (Express's 404) reads as its text: "Cannot GET /oauth2/userInfo".
  const text = () => res.body.replace(/<title>[^<]*<\/title>/i, '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 60);
  return String(body?.error ?? body?.__type ?? body?.message ?? text());
}

/** `undefined` when the answer is a 2xx JSON body that `test` accepts; otherwise what is wrong. */
function expectJson(res: HttpResponse, test: (body: Record<string, unknown>) => string | undefined): string | undefined {
  if (res.status < 200 || res.status > 299) return `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
  const body = json(res);
  if (!body) return `not JSON: ${res.body.slice(0, 200)}`;
  return test(body);
}

const checks = {
  discovery: (res: HttpResponse) => expectJson(res, (b) => (typeof b.issuer === 'string' && typeof b.jwks_uri === 'string' ? undefined : 'no issuer or jwks_uri')),
  jwks: (res: HttpResponse) => expectJson(res, (b) => {
    const keys = Array.isArray(b.keys) ? (b.keys as { kty?: string; n?: string }[]) : [];
    const rsa = keys.find((k) => k.kty === 'RSA' && typeof k.n === 'string');
    if (!rsa) return 'no RSA key';
    const bits = Buffer.from(rsa.n!, 'base64url').length * 8;
    return bits === 2048 ? undefined : `RSA key of ${bits} bits, not 2048`;
  }),
  rs256: (token: unknown, what: string) => (jwtPart(token, 0)?.alg === 'RS256' ? undefined : `${what} is not an RS256 JWT`),
  clientCredentials: (res: HttpResponse) => expectJson(res, (b) => {
    const wrong = checks.rs256(b.access_token, 'access_token');
    if (wrong) return wrong;
    const scope = String(b.scope ?? jwtPart(b.access_token, 1)?.scope ?? '');
    return scope.split(' ').includes(BENCH.machineScope) ? undefined : `scope "${scope}", not ${BENCH.machineScope}`;
  }),
  refresh: (res: HttpResponse) => expectJson(res, (b) => (typeof b.access_token === 'string' ? checks.rs256(b.id_token, 'id_token') : 'no access_token')),
  initiateRefresh: (res: HttpResponse) => expectJson(res, (b) => {
    const r = b.AuthenticationResult as { AccessToken?: string; IdToken?: string } | undefined;
    return r?.AccessToken ? checks.rs256(r.IdToken, 'IdToken') : 'no AuthenticationResult.AccessToken';
  }),
  subject: (sub: unknown) => (res: HttpResponse) => expectJson(res, (b) => (typeof sub === 'string' && b.sub === sub ? undefined : `sub ${String(b.sub)}, expected ${String(sub)}`)),
  getUser: (sub: unknown) => (res: HttpResponse) => expectJson(res, (b) => {
    const attributes = Array.isArray(b.UserAttributes) ? (b.UserAttributes as { Name: string; Value: string }[]) : [];
    const found = attributes.find((a) => a.Name === 'sub')?.Value;
    return typeof sub === 'string' && found === sub ? undefined : `sub attribute ${String(found)}, expected ${String(sub)}`;
  }),
};

const describe = (r: autocannon.Request) => `${r.method ?? 'GET'} ${r.path ?? '/'}${r.headers?.['x-amz-target'] ? ` ${String(r.headers['x-amz-target']).split('.').pop()}` : ''}`;
const plan = (requests: Requests, check: (res: HttpResponse) => string | undefined): Plan => ({ requests, describe: describe(requests[0]!), check });

function send(base: URL, r: autocannon.Request): Promise<HttpResponse> {
  const agent = oneConnection();
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return httpRequest(agent, base, r.method ?? 'GET', r.path ?? '/', { headers, body: typeof r.body === 'string' ? r.body : r.body?.toString() })
    .finally(() => agent.destroy());
}

async function apiCall(base: URL, operation: string, payload: unknown): Promise<Record<string, unknown>> {
  const res = await send(base, { method: 'POST', path: '/', headers: apiHeaders(operation), body: JSON.stringify(payload) });
  if (res.status !== 200) throw new Error(`${operation}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

async function sequential<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await fn(i));
  return out;
}

interface CognitoTokens { AccessToken: string; IdToken: string; RefreshToken: string }

const initiateAuthRequest = (clientId: string, refreshToken: string): autocannon.Request => ({
  method: 'POST', path: '/', headers: apiHeaders('InitiateAuth'),
  body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }),
});
const getUserRequest = (accessToken: string): autocannon.Request => ({
  method: 'POST', path: '/', headers: apiHeaders('GetUser'), body: JSON.stringify({ AccessToken: accessToken }),
});

async function passwordSignIn(base: URL, clientId: string, username: string): Promise<CognitoTokens> {
  const out = await apiCall(base, 'InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: BENCH.password } });
  const result = out.AuthenticationResult as CognitoTokens | undefined;
  if (!result?.RefreshToken) throw new Error(`InitiateAuth USER_PASSWORD_AUTH for ${username}: no tokens (${JSON.stringify(out).slice(0, 200)})`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Competitor processes

interface ChildServer { pid: number; base: URL; settle(): Promise<void>; stop(): Promise<void> }

/** Starts a launcher on a free port and waits until `readyPath` answers 200. */
async function startChild(name: string, script: string, dir: string, env: Record<string, string>, readyPath: string): Promise<ChildServer> {
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  const stderrFile = join(dir, `${name}.stderr.log`);
  const stdout = openSync('/dev/null', 'a');
  const stderr = openSync(stderrFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: dir, stdio: ['ignore', stdout, stderr],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', ...env },
  });
  closeSync(stdout);
  closeSync(stderr);
  const { settle, stop } = await superviseChild(name, child, base, readyPath, stderrFile);
  return { pid: child.pid!, base, settle, stop };
}

/** A cookie jar that is enough for oidc-provider's interaction cookies (names are unique per flow). */
function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    take(res: HttpResponse) {
      for (const line of res.headers['set-cookie'] ?? []) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/**
 * One authorization code flow at oidc-provider, with PKCE, prompt=consent and offline_access (so
 * it issues a refresh token), following its redirects through the launcher's interaction
 * endpoint (login by login_hint, consent granted) to the callback, then the code exchange.
 */
async function oidcProviderCodeFlow(base: URL, username: string): Promise<FlowTokens> {
  const agent = oneConnection();
  const jar = cookieJar();
  try {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: BENCH.clients.confidential.id, response_type: 'code', redirect_uri: BENCH.callback,
      scope: `${BENCH.userScope} offline_access`, prompt: 'consent', login_hint: username, state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    let path = `/auth?${query}`;
    let code: string | null = null;
    for (let hop = 0; hop < 10 && !code; hop++) {
      const res = await httpRequest(agent, base, 'GET', path, { headers: { cookie: jar.header() } });
      jar.take(res);
      if (res.status < 300 || res.status > 399 || !res.headers.location) throw new Error(`oidc-provider code flow: GET ${path.split('?')[0]} answered ${res.status} ${res.body.slice(0, 300)}`);
      const next = new URL(res.headers.location, base);
      if (next.href.startsWith(BENCH.callback)) {
        code = next.searchParams.get('code');
        if (!code) throw new Error(`oidc-provider code flow: no code in ${next.href}`);
      } else {
        path = `${next.pathname}${next.search}`;
      }
    }
    if (!code) throw new Error('oidc-provider code flow: no callback after 10 redirects');
    const res = await httpRequest(agent, base, 'POST', '/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(BENCH.clients.confidential.id, BENCH.clients.confidential.secret) },
      body: form({ grant_type: 'authorization_code', code, redirect_uri: BENCH.callback, code_verifier: verifier }),
    });
    const tokens = json(res) as Partial<FlowTokens> | undefined;
    if (res.status !== 200 || !tokens?.refresh_token || !tokens.access_token || !tokens.id_token) throw new Error(`oidc-provider code exchange: ${res.status} ${res.body.slice(0, 300)}`);
    return tokens as FlowTokens;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The three servers

const OIDC_RESOURCE = { id: 'urn:openpool-bench:bench-api', scope: BENCH.machineScope };

/** What a server's own setup decides; the rest of a Contestant comes from its process. */
type ContestantSetup = Pick<Contestant, 'name' | 'version' | 'setup' | 'plans'>;

/**
 * A started server made a contestant: `setUp` makes its users, tokens and plans through its API.
 * RSS is taken after start and after setup (once the server has settled); a setup that fails
 * stops the server before the error goes on.
 */
async function contestant(server: ChildServer, setUp: (base: URL) => Promise<ContestantSetup>): Promise<Contestant> {
  const rssAfterStartMb = rssMb(server.pid);
  try {
    const setup = await setUp(server.base);
    await server.settle();
    return { ...setup, pid: server.pid, base: server.base, rssAfterStartMb, rssAfterSetupMb: rssMb(server.pid), settle: server.settle, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function startOpenPool(dir: string, users: number): Promise<Contestant> {
  const configFile = join(dir, 'openpool.json');
  writeFileSync(configFile, JSON.stringify(benchConfig(), null, 2));
  const server = await startServer({ dataDir: dir, configFile });
  const child: ChildServer = { pid: server.pid, base: new URL(server.url), settle: () => server.settle(), stop: () => server.stop() };
  return contestant(child, async (base) => {
    const target: Target = await prepareTarget(server.url, { users });
    // The Cognito API rows: sign-ins on the public client, whose tokens carry aws.cognito.signin.user.admin.
    const cognito = await sequential(users, (i) => passwordSignIn(base, BENCH.clients.public.id, target.users[i]!));
    const built = async (id: string) => (await SCENARIOS.find((s) => s.id === id)!.requests!(target));
    return {
      name: 'OpenPool', version: 'this checkout',
      setup: `bench server as in the main mode (SQLite WAL, LOG_LEVEL=info to /dev/null, ${server.settings}); no seeded directory`,
      plans: {
        '1': plan(await built('1'), checks.discovery),
        '2': plan(await built('2'), checks.jwks),
        '3': plan(await built('3'), checks.clientCredentials),
        '4': plan(await built('4'), checks.refresh),
        '4b': plan(cognito.map((t) => initiateAuthRequest(BENCH.clients.public.id, t.RefreshToken)), checks.initiateRefresh),
        '5': plan(await built('5'), checks.subject(jwtPart(target.tokens[0]!.id_token, 1)?.sub)),
        '5b': plan(cognito.map((t) => getUserRequest(t.AccessToken)), checks.getUser(jwtPart(cognito[0]!.AccessToken, 1)?.sub)),
      },
    };
  });
}

async function startOidcProvider(dir: string, users: number): Promise<Contestant> {
  const emails = Array.from({ length: users }, (_, i) => signInEmail(i));
  const child = await startChild('oidc-provider', join(LAUNCHERS, 'oidc-provider-server.mjs'), dir, {
    OIDC_PROVIDER_MODULE: join(COMPARE_DIR, 'node_modules', 'oidc-provider', 'lib', 'index.js'),
    BENCH_COMPARE_CONFIG: JSON.stringify({ clients: BENCH.clients, callback: BENCH.callback, users: emails, resource: OIDC_RESOURCE }),
  }, '/.well-known/openid-configuration');
  return contestant(child, async (base) => {
    // Its in-memory adapter is an LRU of 1000 entries, and every refresh stores a new opaque access
    // token: tokens made at setup would be evicted by the rows before theirs. So each row that
    // needs tokens signs its users in again (one code flow each) just before it runs.
    const freshTokens = () => sequential(users, (i) => oidcProviderCodeFlow(base, emails[i]!));
    await freshTokens();
    const confidential = basicAuth(BENCH.clients.confidential.id, BENCH.clients.confidential.secret);
    return {
      name: 'oidc-provider', version: COMPETITORS['oidc-provider'],
      setup: 'bench/compare/oidc-provider-server.mjs: default in-memory adapter, RS256 (RSA 2048), client_secret_basic clients, clientCredentials with a JWT (RS256) resource, refresh tokens via offline_access (not rotated), userinfo',
      plans: {
        '1': plan([{ method: 'GET', path: '/.well-known/openid-configuration' }], checks.discovery),
        '2': plan([{ method: 'GET', path: '/jwks' }], checks.jwks),
        '3': plan([tokenRequest(basicAuth(BENCH.clients.machine.id, BENCH.clients.machine.secret), { grant_type: 'client_credentials', scope: BENCH.machineScope }, '/token')], checks.clientCredentials),
        '4': async () => plan((await freshTokens()).map((t) => tokenRequest(confidential, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, '/token')), checks.refresh),
        '4b': { na: 'no Cognito API' },
        '5': async () => plan((await freshTokens()).map((t) => ({ method: 'GET', path: '/me', headers: { authorization: `Bearer ${t.access_token}` } })), checks.subject(emails[0])),
        '5b': { na: 'no Cognito API' },
      },
    };
  });
}

async function startCognitoLocal(dir: string, users: number): Promise<Contestant> {
  // cognito-local keeps its data in ./.cognito of its working directory: a folder of its own here.
  const cwd = join(dir, 'cognito-local');
  mkdirSync(cwd);
  const child = await startChild('cognito-local', join(LAUNCHERS, 'cognito-local-server.mjs'), cwd, {
    COGNITO_LOCAL_MODULE: join(COMPARE_DIR, 'node_modules', 'cognito-local'),
  }, '/health');
  return contestant(child, async (base) => {
    const pool = (await apiCall(base, 'CreateUserPool', { PoolName: 'OpenPool Bench', UsernameAttributes: ['email'] })).UserPool as { Id: string };
    const client = (await apiCall(base, 'CreateUserPoolClient', {
      UserPoolId: pool.Id, ClientName: 'bench-public', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    })).UserPoolClient as { ClientId: string };
    const emails = Array.from({ length: users }, (_, i) => signInEmail(i));
    const tokens = await sequential(users, async (i) => {
      const email = emails[i]!;
      await apiCall(base, 'AdminCreateUser', {
        UserPoolId: pool.Id, Username: email, MessageAction: 'SUPPRESS', TemporaryPassword: `${BENCH.password}-temp`,
        UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
      });
      await apiCall(base, 'AdminSetUserPassword', { UserPoolId: pool.Id, Username: email, Password: BENCH.password, Permanent: true });
      return passwordSignIn(base, client.ClientId, email);
    });
    return {
      name: 'cognito-local', version: COMPETITORS['cognito-local'],
      setup: 'bench/compare/cognito-local-server.mjs: its default server (StormDB JSON files in a temp folder, its bundled RS256 key), plain JSON log at info; pool, public client and users through its API',
      plans: {
        '1': plan([{ method: 'GET', path: `/${pool.Id}/.well-known/openid-configuration` }], checks.discovery),
        '2': plan([{ method: 'GET', path: `/${pool.Id}/.well-known/jwks.json` }], checks.jwks),
        '3': {
          na: 'no client_credentials grant',
          probe: tokenRequest(basicAuth(client.ClientId, 'none'), { grant_type: 'client_credentials', scope: BENCH.machineScope }),
        },
        // Its /oauth2/token takes client_id in the body and checks no client secret.
        '4': plan(tokens.map((t) => ({
          method: 'POST', path: '/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form({ grant_type: 'refresh_token', refresh_token: t.RefreshToken, client_id: client.ClientId }),
        })), checks.refresh),
        '4b': plan(tokens.map((t) => initiateAuthRequest(client.ClientId, t.RefreshToken)), checks.initiateRefresh),
        '5': { na: 'no userInfo endpoint', probe: { method: 'GET', path: '/oauth2/userInfo', headers: { authorization: `Bearer ${tokens[0]!.AccessToken}` } } },
        '5b': plan(tokens.map((t) => getUserRequest(t.AccessToken)), checks.getUser(jwtPart(tokens[0]!.AccessToken, 1)?.sub)),
      },
    };
  });
}

const STARTERS: Record<ServerName, (dir: string, users: number) => Promise<Contestant>> = {
  'OpenPool': startOpenPool,
  'oidc-provider': startOidcProvider,
  'cognito-local': startCognitoLocal,
};

// ---------------------------------------------------------------------------------------------
// Measuring and reporting

/** Below this share of 2xx answers a run is not a throughput: it is flagged and left out of the ratios. */
const MIN_OK_SHARE = 0.5;

type Measurement = Required<Pick<CompareRun, 'sent' | 'requests' | 'ok' | 'non2xx' | 'errors' | 'durationS' | 'rps' | 'p50Ms' | 'p99Ms' | 'cpuMsPerRequest' | 'peakRssMb'>> & Pick<CompareRun, 'flagged'>;

async function measure(c: Contestant, requests: Requests, connections: number, durationS: number): Promise<Measurement> {
  await c.settle();
  const rss = rssPeakSampler(c.pid);
  const cpuBefore = cpuMs(c.pid);
  const stats: RunStats = await cannon(c, requests, { connections, durationS });
  await c.settle();
  const cpu = cpuMs(c.pid) - cpuBefore;
  const peakRssMb = rss.stopMb();
  const answered = stats.requests + stats.errors;
  const okShare = answered > 0 ? stats.ok / answered : 0;
  return {
    sent: stats.sent, requests: stats.requests, ok: stats.ok, non2xx: stats.non2xx, errors: stats.errors, durationS: stats.durationS,
    rps: stats.rps, p50Ms: stats.p50Ms, p99Ms: stats.p99Ms,
    cpuMsPerRequest: stats.sent > 0 ? cpu / stats.sent : Number.NaN, peakRssMb,
    ...(okShare < MIN_OK_SHARE ? { flagged: `only ${(okShare * 100).toFixed(0)}% 2xx (${stats.non2xx} non-2xx, ${stats.errors} errors): not a throughput` } : {}),
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** One row's figure from its rounds: medians, sums of what went wrong, flagged when any round was. */
function overRounds(ms: Measurement[]): Omit<Measurement, 'flagged'> & Pick<CompareRun, 'flagged' | 'roundsRps'> {
  const flagged = ms.map((m, i) => (m.flagged ? `round ${i + 1}: ${m.flagged}` : '')).filter(Boolean).join('; ');
  return {
    sent: sum(ms.map((m) => m.sent)), requests: sum(ms.map((m) => m.requests)), ok: sum(ms.map((m) => m.ok)),
    non2xx: sum(ms.map((m) => m.non2xx)), errors: sum(ms.map((m) => m.errors)), durationS: sum(ms.map((m) => m.durationS)),
    rps: median(ms.map((m) => m.rps)), p50Ms: median(ms.map((m) => m.p50Ms)), p99Ms: median(ms.map((m) => m.p99Ms)),
    cpuMsPerRequest: median(ms.map((m) => m.cpuMsPerRequest)), peakRssMb: Math.max(...ms.map((m) => m.peakRssMb)),
    roundsRps: ms.map((m) => m.rps),
    ...(flagged ? { flagged } : {}),
  };
}

const valid = (r: CompareRun) => r.skipped === undefined && r.flagged === undefined && r.rps !== undefined;

function table(runs: CompareRun[]): string {
  const head = `${'scenario'.padEnd(34)} ${'server'.padEnd(14)} ${'conns'.padStart(5)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'non-2xx'.padStart(7)} ${'errors'.padStart(6)} ${'CPU ms/req'.padStart(10)} ${'RSS MB'.padStart(6)}  note`;
  const lines = [head, '-'.repeat(head.length + 30)];
  let previous = '';
  for (const r of runs) {
    const key = `${r.scenario}/${r.connections}`;
    const scenario = key === previous ? '' : `${r.scenario} ${r.title}`;
    if (key !== previous && previous) lines.push('');
    previous = key;
    const someFailed = r.non2xx || r.errors ? `${(((r.non2xx ?? 0) + (r.errors ?? 0)) / Math.max(1, (r.requests ?? 0) + (r.errors ?? 0)) * 100).toFixed(1)}% not 2xx` : '';
    const ratio = r.ratioToBest ? `×${r.ratioToBest.ratio.toFixed(2)} the best competitor (${r.ratioToBest.competitor})` : r.server === 'OpenPool' ? 'no competitor figure' : '';
    const rounds = r.roundsRps && r.roundsRps.length > 1 ? `rounds ${r.roundsRps.map((x) => num(x)).join('/')}` : '';
    const note = r.skipped ?? r.flagged ?? [ratio, someFailed, rounds].filter(Boolean).join('; ');
    const measured = r.skipped === undefined;
    lines.push([
      scenario.padEnd(34), r.server.padEnd(14), String(r.connections).padStart(5),
      (measured && !r.flagged ? num(r.rps) : '-').padStart(8), (measured ? num(r.p50Ms) : '').padStart(7), (measured ? num(r.p99Ms) : '').padStart(7),
      (measured ? String(r.non2xx) : '').padStart(7), (measured ? String(r.errors) : '').padStart(6),
      (measured ? fixed(r.cpuMsPerRequest, 3) : '').padStart(10), (measured ? fixed(r.peakRssMb, 0) : '').padStart(6), ` ${note}`,
    ].join(' ').trimEnd());
  }
  return lines.join('\n');
}

export async function runCompare(env: NodeJS.ProcessEnv): Promise<void> {
  const options = readOptions(env);
  const startedAt = new Date().toISOString();
  log(`servers ${options.servers.join(', ')}; rows ${options.rows.join(', ')}; connections ${options.connections.join(', ')}; ${options.durationS} s each after a ${options.warmupS} s warm-up; ${options.rounds} rounds, the servers measured in turn`);
  if (options.servers.some((s) => s !== 'OpenPool')) ensureCompetitors();
  for (const [name, version] of Object.entries(COMPETITORS)) {
    if (options.servers.includes(name as ServerName) && !existsSync(join(COMPARE_DIR, 'node_modules', name))) throw new Error(`${name}@${version} is not in bench/.compare`);
  }

  const contestants: Contestant[] = [];
  const dir = benchWorkspace('openpool-bench-compare-', () => contestants.map((c) => c.pid), log);

  const runs: CompareRun[] = [];
  const servers: { name: ServerName; version: string; setup: string; rssAfterStartMb: number; rssAfterSetupMb: number }[] = [];
  let checkFailures = 0;
  const users = Math.max(...options.connections);
  try {
    // All servers stay up (an idle one costs no CPU), so each row's rounds can alternate between
    // them: a slow spell of this shared machine then hits every server, not whichever ran during it.
    for (const name of options.servers) {
      log(`${name}: starting and setting up ${users} users through its API`);
      const serverDir = join(dir, name);
      mkdirSync(serverDir);
      const c = await STARTERS[name](serverDir, users);
      contestants.push(c);
      servers.push({ name, version: c.version, setup: c.setup, rssAfterStartMb: c.rssAfterStartMb, rssAfterSetupMb: c.rssAfterSetupMb });
      log(`${name} pid ${c.pid} at ${c.base.origin}: RSS ${c.rssAfterStartMb.toFixed(0)} MB after start, ${c.rssAfterSetupMb.toFixed(0)} MB after setup`);
    }
    for (const id of options.rows) {
      const title = ROWS.find((r) => r.id === id)!.title;
      const measured: { c: Contestant; plan: Extract<Plan, { requests: Requests }> }[] = [];
      for (const c of contestants) {
        const entry = c.plans[id];
        const p = typeof entry === 'function' ? await entry() : entry;
        const skip = (skipped: string, request?: string) => {
          for (const connections of options.connections) runs.push({ scenario: id, title, server: c.name, connections, skipped, request });
        };
        if (!p) {
          skip('n/a');
          continue;
        }
        if ('na' in p) {
          // Shows what the server answers where the row's request would go.
          const answer = p.probe ? await send(c.base, p.probe).then((r) => ` (${describe(p.probe!)}: ${r.status} ${errorName(r)})`, (e: Error) => ` (${e.message})`) : '';
          skip(`n/a: ${p.na}${answer}`);
          continue;
        }
        const wrong = p.check(await send(c.base, p.requests[0]!));
        if (wrong) {
          checkFailures++;
          log(`${c.name} ${id} ${title}: CHECK FAILED (${p.describe}): ${wrong}`);
          skip(`CHECK FAILED, not measured: ${wrong.slice(0, 120)}`, p.describe);
          continue;
        }
        await c.settle();
        await cannon(c, p.requests, { connections: Math.min(16, Math.max(...options.connections)), durationS: options.warmupS });
        measured.push({ c, plan: p });
      }
      for (const connections of options.connections) {
        const rounds = new Map<Contestant, Measurement[]>(measured.map(({ c }) => [c, []]));
        for (let round = 1; round <= options.rounds; round++) {
          for (const { c, plan: p } of measured) {
            const m = await measure(c, p.requests, connections, options.durationS);
            rounds.get(c)!.push(m);
            log(`${c.name} ${id} ${title} @${connections} round ${round}/${options.rounds}: ${num(m.rps)} req/s, p99 ${num(m.p99Ms)} ms, non-2xx ${m.non2xx}, errors ${m.errors}, CPU ${fixed(m.cpuMsPerRequest, 3)} ms/req, RSS ${fixed(m.peakRssMb, 0)} MB${m.flagged ? `; ${m.flagged}` : ''}`);
          }
        }
        for (const { c, plan: p } of measured) runs.push({ scenario: id, title, server: c.name, connections, request: p.describe, ...overRounds(rounds.get(c)!) });
      }
    }
  } finally {
    for (const c of contestants.splice(0)) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // Rows in scenario order, OpenPool first; its ratio to the best valid competitor at the same connection count.
  const order = (r: CompareRun) => [ROWS.findIndex((x) => x.id === r.scenario), r.connections, SERVER_NAMES.indexOf(r.server)];
  runs.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  for (const r of runs) {
    if (r.server !== 'OpenPool' || !valid(r)) continue;
    const best = runs.filter((o) => o.server !== 'OpenPool' && o.scenario === r.scenario && o.connections === r.connections && valid(o)).sort((a, b) => b.rps! - a.rps!)[0];
    if (best && best.rps! > 0) r.ratioToBest = { ratio: r.rps! / best.rps!, competitor: best.server };
  }

  process.stdout.write(`\n${table(runs)}\n\n`);
  process.stdout.write([
    `${options.durationS} s per run after a ${options.warmupS} s warm-up; ${options.rounds} rounds, the servers measured in turn (one at a time), figures the medians over the rounds (RSS: the highest); load generator in this process on the same cores.`,
    'req/s counts 2xx answers only; CPU ms/req is the server process\'s user + system CPU per request sent; RSS is its peak during the run.',
    'Not like for like: oidc-provider keeps grants and tokens in memory (OpenPool writes to SQLite) and its userinfo access tokens are opaque (no signature);',
    'cognito-local checks no client secret at /oauth2/token, GetUser decodes the access token without verifying it, and its JSON files are its database.',
  ].join('\n'));
  process.stdout.write('\n');

  const file = writeResults({
    label: options.label, mode: 'compare', startedAt, finishedAt: new Date().toISOString(), commit: gitCommit(), machine: machine(),
    options: { durationS: options.durationS, rounds: options.rounds, warmupS: options.warmupS, connections: options.connections, scenarios: options.rows, servers: options.servers, minOkShare: MIN_OK_SHARE },
    servers, runs,
  }, (stamp) => `compare-${stamp}.json`);
  process.stdout.write(`\nResults: ${file}${options.label ? ` (label: ${options.label})` : ''}\n`);
  if (checkFailures > 0) throw new Error(`${checkFailures} check(s) failed: those rows were not measured (see CHECK FAILED above)`);
}
