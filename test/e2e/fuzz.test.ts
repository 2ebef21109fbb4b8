import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ACTIONS } from '../../src/http/cognito-api/index.js';
import type { Action } from '../../src/http/cognito-api/registry.js';
import { snapshotDiff, type DatabaseSnapshot } from '../helpers/database.js';
import { signedUpUserWithTokens } from '../helpers/flows.js';
import {
  brokenJsonText, describeRequest, encodePairs, fromSchema, headerSafe, hostileString, hostileValue, mutated, pct, routesOf, sendRaw,
  signApiRequest, withoutPasswordDigits, type FieldOverrides, type RawRequest, type RawResponse, type Route,
} from '../helpers/fuzz.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { csrfToken, WebClient } from '../helpers/web-client.js';

/**
 * Generated malformed input at every route of the OAuth/OIDC and hosted-page surface and at every
 * action of the Cognito JSON API. Invariants: no answer is a 5xx, the server keeps serving and
 * logs no error, and the database is exactly as it was (compared after every block, so a change
 * names the block that made it).
 *
 * The fuzzer is built so that no request can legitimately succeed at writing: it never sends an
 * existing username, group, resource server, code, session cookie, client secret or working token
 * (real tokens only tampered with), no password it sends passes a policy (no digits), and calls
 * that would create something or act on the real pool or client themselves get ids that do not
 * exist. So no table is excluded from the comparison, and the ids it does use are real ones so
 * handlers get past their lookups. Reproduce a failure with FUZZ_SEED=<seed printed below>.
 */
const SEED = Number(process.env.FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
/** Sized for about 20 s on two cores; FUZZ_SCALE=10 makes a longer bug hunt. */
const SCALE = Number(process.env.FUZZ_SCALE) || 1;
const ROUTE_RUNS = Math.round(50 * SCALE);
const ACTION_RUNS = Math.round(35 * SCALE);
const PROTOCOL_RUNS = Math.round(250 * SCALE);

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const MISSING_POOL_ID = 'us-east-1_NoSuchPool0';
const MISSING_CLIENT_ID = 'nosuchclient00000000000000';
const CALLBACK = 'http://localhost:3000/callback';
const BODY_LIMIT = 64 * 1024;
const API_CONTENT_TYPES = new Set(['application/x-amz-json-1.1', 'application/json']);
const SIGV4_ERRORS = new Set(['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'InvalidSignatureException']);

/** Reads, and calls aimed at a user, group, resource server, token or session the fuzzer names (never a real one). */
const READS = /^(Admin)?(Get|List|Describe)/;
const TARGET_FIELDS = ['Username', 'GroupName', 'Identifier', 'AccessToken', 'Token', 'Session', 'AuthParameters', 'ChallengeResponses'];

/** Whether a call may keep the real pool and client ids without being able to change them (see the header comment). */
function mayUseRealIds(action: string, body: Record<string, unknown>): boolean {
  if (READS.test(action)) return true;
  if (/Create/.test(action)) return false;
  return TARGET_FIELDS.some((k) => body[k] !== undefined);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const apiErrorType = (res: RawResponse) => {
  try {
    return (JSON.parse(res.body) as { __type?: string }).__type;
  } catch {
    return undefined;
  }
};

describe('fuzzing every endpoint of both surfaces', () => {
  let t: TestServer;
  let port: number;
  let baseline: DatabaseSnapshot;
  let routes: Route[];
  const csrf = { cookie: '', token: '' };
  let formFieldNames: string[];
  let realTokens: string[];
  let seedOffset = 0;
  /**
   * Runs a property and fails with the first counterexample's own message (the request, cut
   * short) rather than fast-check's dump of values that may be megabytes long.
   */
  const check = async <T>(arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, numRuns: number) => {
    const seed = SEED + seedOffset++;
    const details = await fc.check(fc.asyncProperty(arb, predicate), { numRuns, seed, endOnFailure: true });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`property failed after ${details.numRuns} run(s) (fast-check seed ${seed}, path ${details.counterexamplePath}; FUZZ_SEED=${SEED}):\n${cause.slice(0, 3000)}`);
    }
  };

  const send = async (req: RawRequest): Promise<RawResponse> => {
    try {
      return await sendRaw(port, req);
    } catch (error) {
      throw new Error(`no answer (${(error as Error).message}) to\n${describeRequest(req)}`);
    }
  };
  // FUZZ_STATS=1 prints how far requests got (status and error name per endpoint), to check the generators still reach the handlers.
  const stats = new Map<string, number>();
  const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1);
  after(() => {
    if (process.env.FUZZ_STATS) console.log([...stats].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
  });
  const assertNo5xx = (req: RawRequest, res: RawResponse) => assert.ok(res.status < 500, `5xx for\n${describeRequest(req, res)}`);
  const assertStoredDataUnchanged = async (after: string) => {
    const now = await t.database.snapshot();
    // The audit trail records refused attempts by design: it may gain rows, and every new one must
    // be a failure (a fuzzed request that succeeded at something would be a bug). Nothing else may change.
    const known = new Set(baseline.get('auth_events') ?? []);
    const added = (now.get('auth_events') ?? []).filter((row) => !known.has(row));
    const successes = added.filter((row) => (JSON.parse(row) as unknown[])[7] !== 'Fail');
    assert.deepEqual(successes, [], `a fuzzed request was recorded as a success by ${after} (FUZZ_SEED=${SEED}):\n${successes.join('\n')}`);
    const withoutTrail = (snapshot: DatabaseSnapshot) => new Map([...snapshot].filter(([table]) => table !== 'auth_events'));
    const diff = snapshotDiff(withoutTrail(baseline), withoutTrail(now));
    assert.deepEqual(diff, [], `stored data changed by ${after} (FUZZ_SEED=${SEED}):\n${diff.join('\n')}`);
  };

  before(async () => {
    console.log(`# fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
    t = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' } });
    port = Number(new URL(t.url).port);
    routes = routesOf(t.server.app);

    // A user with a session, tokens and a token family: rows the fuzz must leave exactly as they are.
    const seeded = await signedUpUserWithTokens(t);
    realTokens = [seeded.tokens.access_token, seeded.tokens.id_token];

    // One CSRF cookie and token serve every hosted form; the inputs of every page the app serves name the fields to fuzz.
    const web = new WebClient(t.url);
    const fields = new Set<string>();
    for (const page of routes.filter((r) => r.methods.includes('GET') && !/[:*]/.test(r.path)).map((r) => r.path)) {
      const res = await web.get(`${page}?${realAuthorizeQuery()}`);
      for (const m of res.body.matchAll(/<(?:input|select|textarea)[^>]*\bname="([^"]+)"/g)) fields.add(m[1]!);
      if (!csrf.token && res.status === 200 && res.body.includes('name="_csrf"')) csrf.token = csrfToken(res.body);
    }
    csrf.cookie = `XSRF-TOKEN=${web.cookies.get('XSRF-TOKEN')}`;
    fields.delete('_csrf');
    formFieldNames = [...fields];
    assert.ok(csrf.token && formFieldNames.includes('username') && formFieldNames.includes('password'), `form fields: ${formFieldNames.join(', ')}`);

    baseline = await t.database.snapshot();
    assert.ok((baseline.get('users') ?? []).length > 0 && (baseline.get('refresh_tokens') ?? []).length > 0, 'the baseline holds a user and tokens');
  });
  after(async () => {
    await t?.close();
  });

  function realAuthorizeQuery(extra: [string, string][] = []) {
    return encodePairs([
      ['response_type', 'code'], ['client_id', t.clients.public.id], ['redirect_uri', CALLBACK], ['scope', 'openid email'], ['state', 'fuzz'], ...extra,
    ]);
  }

  // ---- arbitraries that need the running server's ids ----

  /** Builds arbitraries once: some (stringMatching especially) are costly to construct, and chain() asks for them per sample. */
  const once = <T>(build: () => T) => {
    let built: T | undefined;
    return () => (built ??= build());
  };

  const clientIdArb = once(() => fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(t.clients.public.id, t.clients.confidential.id, t.clients.machine.id, MISSING_CLIENT_ID) },
    { weight: 1, arbitrary: hostileString },
  ));
  const usernameArb = once(() => fc.oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^fuzz\.[a-z0-9]{1,12}@example\.com$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,10}$/) },
    { weight: 1, arbitrary: hostileString },
  ));

  /** Never a working token: random, forged, or a real one with its signature or claims altered. */
  const tokenArb = once(() => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const tampered = fc.tuple(fc.constantFrom(...realTokens), fc.nat(), fc.constantFrom('signature', 'claims', 'alg-none', 'truncated')).map(([token, n, how]) => {
      const [h, p, s] = token.split('.') as [string, string, string];
      if (how === 'signature') {
        const i = 1 + (n % (s.length - 2));
        return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
      }
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      if (how === 'claims') return `${h}.${b64({ ...claims, exp: 4_102_444_800, scope: 'openid aws.cognito.signin.user.admin', token_use: 'access' })}.${s}`;
      if (how === 'alg-none') return `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
      return token.slice(0, n % token.length);
    });
    const forged = fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 2 }), fc.uint8Array({ maxLength: 64 }))
      .map(([h, p, s]) => `${b64(h)}.${b64(p)}.${Buffer.from(s).toString('base64url')}`);
    return fc.oneof(tampered, forged, fc.uint8Array({ minLength: 1, maxLength: 96 }).map((b) => Buffer.from(b).toString('base64url')), hostileString);
  });

  /** A plausible value for a form, query or AuthParameters field, by its name; hostile otherwise. */
  const valueCache = new Map<string, fc.Arbitrary<string>>();
  const valueFor = (name: string): fc.Arbitrary<string> => {
    let arb = valueCache.get(name);
    if (!arb) valueCache.set(name, (arb = buildValueFor(name)));
    return arb;
  };
  const buildValueFor = (name: string): fc.Arbitrary<string> => {
    const or = (...values: string[]) => fc.oneof(fc.constantFrom(...values), hostileString);
    switch (name.toLowerCase()) {
      case 'client_id': return clientIdArb();
      case 'redirect_uri': case 'logout_uri': return or(CALLBACK, 'https://localhost', 'https://oauth.pstmn.io/v1/callback', 'http://localhost:3000/');
      case 'response_type': return or('code', 'token', 'id_token', 'code token', 'code id_token');
      case 'grant_type': return or('authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit');
      case 'scope': return or('openid', 'openid email profile', 'aws.cognito.signin.user.admin', 'openpool-example-api/read', 'openid openid');
      case 'code_challenge_method': return or('S256', 'plain', 's256');
      case 'code_challenge': case 'code_verifier': case 'secret_hash':
        return fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')), hostileString);
      case 'prompt': return or('none', 'login', 'consent', 'select_account', 'none login');
      case 'token_type_hint': return or('refresh_token', 'access_token');
      case 'token': case 'refresh_token': case 'access_token': case 'id_token_hint': return tokenArb();
      case 'username': return usernameArb();
      case 'code': case 'confirmation_code': return fc.oneof(fc.stringMatching(/^\d{6}$/), fc.uuid(), hostileString);
      case 'srp_a': return fc.oneof(fc.constantFrom('0', '00', '1', 'f'.repeat(768)), fc.uint8Array({ maxLength: 384 }).map((b) => Buffer.from(b).toString('hex')), hostileString);
      case 'timestamp': return or('Mon Jan 1 00:00:00 UTC 2024', 'Tue Feb 30 99:99:99 UTC 1970');
      default: return hostileString;
    }
  };
  const pairArb = (names: () => string[]) => fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names()).chain((n) => valueFor(n).map((v): [string, string] => [n, v])) },
    { weight: 1, arbitrary: fc.tuple(hostileString, hostileString) },
  );
  const vocabulary = () => [
    ...formFieldNames, 'response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method', 'nonce',
    'prompt', 'identity_provider', 'idp_identifier', 'lang', 'grant_type', 'client_secret', 'code', 'code_verifier', 'refresh_token',
    'token', 'token_type_hint', 'logout_uri', 'access_token', 'username', 'password', 'sent', 'notice', 'error', '_csrf', '__proto__',
  ];
  const pairsArb = () => fc.array(pairArb(vocabulary), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]): [string, string] => [k, withoutPasswordDigits(v, k) as string]));

  const queryArb = () => fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.constant(realAuthorizeQuery()) },
    // The real request with one parameter repeated, replaced or added.
    { weight: 3, arbitrary: pairsArb().map((extra) => realAuthorizeQuery(extra)) },
    { weight: 2, arbitrary: pairsArb().map(encodePairs) },
    { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '=&=&&', 'a=%E0%A4%A', 'a=%C0%AF', 'client_id[]=x', 'client_id[a]=b', 'a=b=c', '%00=%00', '&&&&') },
  ).map((q) => (q ? `?${q}` : ''));

  const pathArb = (template: string) => fc.tuple(...template.split('/').map((segment) => {
    if (segment.startsWith(':')) {
      return fc.oneof(fc.constantFrom(t.poolId, MISSING_POOL_ID, t.poolId.toLowerCase(), '%zz', '%2e%2e', '..', '%00'), hostileString.map(pct));
    }
    if (segment === '*') return fc.array(fc.oneof(fc.constantFrom('..', '%2e%2e', '.', '%2f', 'openpool.css'), hostileString.map(pct)), { maxLength: 3 }).map((s) => s.join('/'));
    return fc.constant(segment);
  })).map((segments) => segments.join('/') || '/');

  const contentTypeArb = fc.constantFrom(
    'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED',
    'application/x-www-form-urlencoded; charset=utf-16le', 'application/json', 'application/json; charset=iso-8859-1', 'application/x-amz-json-1.1',
    'application/x-amz-json-1.0', 'text/plain', 'text/html', 'multipart/form-data; boundary=zzz', 'application/xml', '', ';;;', '*/*', 'application/',
  );
  const authorizationArb = () => fc.oneof(
    fc.tuple(clientIdArb(), hostileString).map(([id, s]) => `Basic ${Buffer.from(`${id}:${s}`).toString('base64')}`),
    fc.constantFrom('Basic', 'Basic !!!', 'Basic Og==', 'Basic OjpdOg==', 'Bearer', 'Bearer ', 'bearer x', 'Negotiate abc', 'AWS4-HMAC-SHA256'),
    tokenArb().map((tk) => `Bearer ${tk}`),
    hostileString,
  ).map(headerSafe);
  const cookieArb = () => fc.oneof(
    fc.constant(''),
    hostileString.map((v) => `openpool_session_${t.poolId}=${v}`),
    hostileString.map((v) => `openpool_pending=${v}`),
    hostileString.map((v) => `XSRF-TOKEN=${v}`),
    hostileString,
  ).map(headerSafe);
  const extraHeadersArb = fc.array(fc.tuple(
    fc.constantFrom('content-encoding', 'accept', 'accept-language', 'origin', 'referer', 'x-request-id', 'x-forwarded-for', 'x-forwarded-proto',
      'if-none-match', 'access-control-request-method', 'access-control-request-headers', 'x-amz-date', 'x-amz-user-agent', 'range'),
    fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity, gzip', '*', 'POST', 'DELETE', 'https://evil.example', 'bytes=0-0,-1'), hostileString).map(headerSafe),
  ), { maxLength: 3 });

  const bodyArb = () => fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: pairsArb().map(encodePairs) },
    { weight: 2, arbitrary: brokenJsonText },
    { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constantFrom(70_000, 300_000).map((n) => `a=${'x'.repeat(n)}`) },
  );

  /** A request to one route and method: everything generated, optionally with a valid CSRF pair so hosted forms reach their handlers. */
  const routeRequestArb = (route: Route, method: string) => fc.record({
    path: pathArb(route.path),
    query: queryArb(),
    contentType: fc.option(contentTypeArb),
    authorization: fc.option(authorizationArb(), { freq: 3 }),
    cookie: fc.option(cookieArb(), { freq: 3 }),
    target: fc.option(fc.oneof(fc.constantFrom(...Object.keys(ACTIONS)).map((n) => TARGET_PREFIX + n), hostileString.map(headerSafe)), { freq: 3 }),
    extra: extraHeadersArb,
    body: bodyArb(),
    withCsrf: fc.boolean(),
    form: pairsArb(),
  }).map((g): RawRequest => {
    const headers: Record<string, string> = {};
    for (const [k, v] of g.extra) headers[k] = v;
    if (g.contentType !== null) headers['content-type'] = g.contentType;
    if (g.authorization !== null) headers.authorization = g.authorization;
    if (g.cookie !== null) headers.cookie = g.cookie;
    if (g.target !== null) headers['x-amz-target'] = g.target;
    let body: string | Buffer | undefined = g.body;
    if (g.withCsrf && method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.cookie = g.cookie ? `${csrf.cookie}; ${g.cookie}` : csrf.cookie;
      body = encodePairs([['_csrf', csrf.token], ...g.form]);
    }
    // Half the preflights are well-formed, so CORS handling runs past its first check.
    if (g.withCsrf && method === 'OPTIONS') Object.assign(headers, { origin: 'https://app.example', 'access-control-request-method': 'POST' });
    if (method === 'GET' || method === 'HEAD') body = undefined;
    return { method, path: g.path + g.query, headers, body };
  });

  // ---- the Cognito API ----

  /** AuthParameters / ChallengeResponses: some of the names Cognito reads, each with a value fit for it, plus stray ones. */
  const parametersArb = (names: string[]) => fc.tuple(
    fc.subarray(names).chain((keys) => fc.tuple(...keys.map((k) => valueFor(k === 'USERNAME' ? 'username' : k.toLowerCase()).map((v): [string, string] => [k, v])))),
    fc.array(fc.tuple(hostileString, hostileString), { maxLength: 2 }),
  ).map(([known, stray]) => Object.fromEntries([...stray, ...known]));

  const apiOverrides = once((): FieldOverrides => ({
    UserPoolId: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(t.poolId, t.poolId, MISSING_POOL_ID) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{2}-[a-z]{4,9}-\d_[0-9A-Za-z]{1,12}$/) },
      { weight: 1, arbitrary: hostileString },
    ),
    ClientId: clientIdArb(),
    Username: usernameArb(),
    AccessToken: tokenArb(),
    Token: tokenArb(),
    Session: fc.oneof(tokenArb(), fc.uint8Array({ minLength: 15, maxLength: 600 }).map((b) => Buffer.from(b).toString('base64'))),
    AuthFlow: fc.oneof(fc.constantFrom('USER_PASSWORD_AUTH', 'USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH', 'CUSTOM_AUTH', 'USER_AUTH'), hostileString),
    ChallengeName: fc.oneof(fc.constantFrom('PASSWORD_VERIFIER', 'NEW_PASSWORD_REQUIRED', 'SMS_MFA', 'SOFTWARE_TOKEN_MFA', 'CUSTOM_CHALLENGE', 'SELECT_MFA_TYPE'), hostileString),
    AuthParameters: parametersArb(['USERNAME', 'PASSWORD', 'SRP_A', 'SECRET_HASH', 'REFRESH_TOKEN', 'DEVICE_KEY']),
    ChallengeResponses: parametersArb(['USERNAME', 'NEW_PASSWORD', 'PASSWORD_CLAIM_SIGNATURE', 'PASSWORD_CLAIM_SECRET_BLOCK', 'TIMESTAMP', 'SECRET_HASH', 'userAttributes.email', 'userAttributes.name']),
    ConfirmationCode: valueFor('code'),
    Code: valueFor('code'),
    SecretHash: valueFor('secret_hash'),
    Filter: fc.oneof(
      fc.tuple(fc.constantFrom('email', 'sub', 'username', 'status', 'cognito:user_status', 'name', 'phone_number', 'given_name', 'unknown'), fc.constantFrom('=', '^=', '!=', ' = ', ''), hostileString)
        .map(([a, op, v]) => `${a} ${op} "${v}"`),
      fc.constantFrom('email = "', 'email ^= ""', '= "x"', 'email = "a" and sub = "b"', '"'),
      hostileString,
    ),
    NextToken: fc.oneof(fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64')), hostileString),
    PaginationToken: fc.oneof(fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64')), hostileString),
  }));

  type AuthMode = 'signed' | 'none' | 'garbage' | 'wrongSecret' | 'unknownKey' | 'stale' | 'otherBody' | 'noPayloadHash';
  const authModeArb = (admin: boolean): fc.Arbitrary<AuthMode> => admin
    ? fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom<AuthMode>('signed', 'noPayloadHash') },
      { weight: 3, arbitrary: fc.constantFrom<AuthMode>('none', 'garbage', 'wrongSecret', 'unknownKey', 'stale', 'otherBody') },
    )
    : fc.constantFrom<AuthMode>('none', 'none', 'none', 'garbage', 'signed');

  async function apiHeaders(mode: AuthMode, target: string, contentType: string, text: string, garbage: string): Promise<Record<string, string>> {
    const headers = { 'content-type': contentType, 'x-amz-target': target };
    switch (mode) {
      case 'none': return headers;
      case 'garbage': return { ...headers, authorization: headerSafe(garbage) };
      case 'signed': return signApiRequest(port, headers, text);
      case 'noPayloadHash': return signApiRequest(port, headers, text, { payloadHashHeader: false });
      case 'wrongSecret': return signApiRequest(port, headers, text, { credentials: { accessKeyId: 'test', secretAccessKey: 'not-the-secret' } });
      case 'unknownKey': return signApiRequest(port, headers, text, { credentials: { accessKeyId: 'AKIAFUZZFUZZFUZZ', secretAccessKey: 'test' } });
      case 'stale': return signApiRequest(port, headers, text, { date: new Date(Date.now() - 10 * 60_000) });
      // A captured signature replayed with another body: the signed payload hash must bind the body.
      case 'otherBody': return signApiRequest(port, headers, `${text} `);
    }
  }

  /** Mostly bodies the action's schema accepts, so its handler runs; then ones it must refuse. */
  const apiBodyArb = (action: Action) => fc.oneof(
    { weight: 5, arbitrary: fromSchema(action.input, apiOverrides(), { hostile: false }) },
    { weight: 3, arbitrary: fromSchema(action.input, apiOverrides()) },
    { weight: 1, arbitrary: mutated(fromSchema(action.input, apiOverrides(), { hostile: false })) },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: brokenJsonText.map((raw) => ({ raw })) },
  );

  it('finds every endpoint of both surfaces in the running app', () => {
    const have = new Set(routes.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
    for (const expected of [
      'GET /oauth2/authorize', 'POST /oauth2/token', 'GET /oauth2/userInfo', 'POST /oauth2/userInfo', 'POST /oauth2/revoke', 'GET /logout',
      'GET /:poolId/.well-known/openid-configuration', 'GET /:poolId/.well-known/jwks.json', 'GET /login', 'POST /login', 'GET /signup',
      'POST /signup', 'GET /confirmUser', 'POST /confirmUser', 'POST /resendCode', 'GET /forgotPassword', 'POST /forgotPassword',
      'GET /confirmForgotPassword', 'POST /confirmForgotPassword', 'GET /newPassword', 'POST /newPassword', 'POST /', 'GET /health',
    ]) assert.ok(have.has(expected), `${expected} missing from ${[...have].join(', ')}`);
    for (const name of ['SignUp', 'InitiateAuth', 'AdminCreateUser', 'CreateUserPool', 'ListUsers', 'CreateGroup']) assert.ok(Object.hasOwn(ACTIONS, name), name);
  });

  it('answers every route and method with < 500 to malformed paths, queries, headers and bodies', async () => {
    for (const route of routes) {
      for (const method of route.methods) {
        await check(routeRequestArb(route, method), async (req) => {
          const res = await send(req);
          assertNo5xx(req, res);
          count(`${method} ${route.path} ${res.status}`);
        }, ROUTE_RUNS);
      }
      await assertStoredDataUnchanged(route.path);
    }
  });

  it('answers the API with < 500 to unknown targets, wrong content types and unparsable bodies', async () => {
    const names = Object.keys(ACTIONS);
    const targetArb = fc.oneof(
      hostileString.map((s) => TARGET_PREFIX + s),
      fc.constantFrom(...names).chain((n) => fc.constantFrom(n.toLowerCase(), `${n} `, `${n}\u0000`, `${n}.${n}`, `AWSCognitoIdentityProviderService${n}`, `awscognitoidentityproviderservice.${n}`, `.${n}`, `${TARGET_PREFIX}${n}`)),
      fc.constantFrom(TARGET_PREFIX, `${TARGET_PREFIX}__proto__`, `${TARGET_PREFIX}constructor`, `${TARGET_PREFIX}hasOwnProperty`, `${TARGET_PREFIX}toString`, 'AmazonCognitoIdentity.GetId'),
      hostileString,
    ).map(headerSafe);
    const arb = fc.record({
      target: fc.option(targetArb, { freq: 8 }),
      contentType: fc.option(contentTypeArb, { freq: 8 }),
      body: fc.oneof(brokenJsonText, hostileValue.map((v) => JSON.stringify(v) ?? ''), pairsArb().map(encodePairs), fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b))),
      authorization: fc.option(authorizationArb(), { freq: 2 }),
    });
    await check(arb, async (g) => {
      const headers: Record<string, string> = {};
      if (g.target !== null) headers['x-amz-target'] = g.target;
      if (g.contentType !== null) headers['content-type'] = g.contentType;
      if (g.authorization !== null) headers.authorization = g.authorization;
      const req = { method: 'POST', path: '/', headers, body: g.body };
      assertNo5xx(req, await send(req));
    }, PROTOCOL_RUNS);
    await assertStoredDataUnchanged('the API protocol block');
  });

  describe('every Cognito API action, with schema-shaped and malformed bodies, signed and not', () => {
    for (const [name, action] of Object.entries(ACTIONS)) {
      it(name, async () => {
        const arb = fc.record({
          body: apiBodyArb(action),
          auth: authModeArb(action.admin),
          contentType: fc.constantFrom('application/x-amz-json-1.1', 'application/x-amz-json-1.1', 'application/x-amz-json-1.1', 'application/json', 'text/plain', 'application/x-www-form-urlencoded'),
          garbage: hostileString,
        });
        await check(arb, async (g) => {
          let value = withoutPasswordDigits(g.body);
          const runs = !action.admin || g.auth === 'signed' || g.auth === 'noPayloadHash';
          if (isObject(value) && !('raw' in value) && !mayUseRealIds(name, value)) {
            const body = { ...value };
            if ('UserPoolId' in body) body.UserPoolId = MISSING_POOL_ID;
            if ('ClientId' in body) body.ClientId = MISSING_CLIENT_ID;
            // Nothing to point elsewhere (CreateUserPool): only bodies the action's own schema refuses may run.
            if (!('UserPoolId' in body || 'ClientId' in body) && runs) fc.pre(!action.input.safeParse(body).success);
            value = body;
          }
          const text = isObject(value) && 'raw' in value && typeof value.raw === 'string' ? value.raw : JSON.stringify(value) ?? '';
          const headers = await apiHeaders(g.auth, TARGET_PREFIX + name, g.contentType, text, g.garbage);
          const req = { method: 'POST', path: '/', headers, body: text };
          const res = await send(req);
          assertNo5xx(req, res);
          count(`${name} ${res.status} ${apiErrorType(res) ?? ''}`);
          // A body the API cannot read is refused before any signature is looked at; any other must stop at SigV4.
          if (action.admin && !runs && API_CONTENT_TYPES.has(g.contentType) && Buffer.byteLength(text) <= BODY_LIMIT) {
            const refused = res.status === 431 || (res.status === 400 && SIGV4_ERRORS.has(apiErrorType(res) ?? ''));
            assert.ok(refused, `an admin call without a valid signature (${g.auth}) got past SigV4:\n${describeRequest(req, res)}`);
          }
        }, ACTION_RUNS);
        await assertStoredDataUnchanged(name);
      });
    }
  });

  it('still serves, logged no error, and stored nothing', async () => {
    const health = await fetch(`${t.url}/health`);
    assert.equal(health.status, 200);
    const errors = t.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    assert.deepEqual(errors, [], 'error-level log lines');
    await assertStoredDataUnchanged('the whole run');
  });
});
