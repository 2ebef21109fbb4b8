/**
 * Building blocks of the fuzz test: the routes of the running app, a raw HTTP sender that lets
 * malformed requests through, fast-check arbitraries for hostile values, bodies derived from an
 * action's own zod schema, and an AWS SigV4 signer configured as the AWS SDK's.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface Route {
  path: string;
  methods: string[];
}

/**
 * Every route the app serves, read from Fastify's radix tree (printRoutes), so a route added
 * later is fuzzed without touching the test. Each tree line is a path fragment; a fragment with
 * methods ends a route.
 */
export function routesOf(app: FastifyInstance): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2] === '(empty root node)' ? '' : m[2]!);
    if (m[3]) {
      const path = stack.join('');
      routes.push({ path: path.startsWith('/') ? path : `/${path}`, methods: m[3].split(', ') });
    }
  }
  return routes;
}

export interface RawRequest {
  method: string;
  /** Path and query, already encoded (may hold deliberately broken escapes). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * node:http rather than fetch: fetch refuses or rewrites much of what a fuzzer wants to send. One
 * connection per request, so no answer can be mistaken for another's on a reused socket.
 */
export async function sendRaw(port: number, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const r = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent: false, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on('error', reject);
      r.end(req.body);
    });
  } catch (error) {
    // Two answers node:http cannot take but a server may rightly give: a reply (and close) before an
    // oversize body is fully sent, and Node's canned 431 with a body after a HEAD whose headers were
    // too large to parse. Read them off a plain socket; no status line at all is a real failure.
    const status = await statusFromSocket(port, req, timeoutMs);
    if (status === undefined) throw error;
    return { status, headers: {}, body: `(read from the socket after ${(error as Error).message})` };
  }
}

function statusFromSocket(port: number, req: RawRequest, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
    const head = [`${req.method} ${req.path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'connection: close', `content-length: ${body.length}`,
      ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body]), () => undefined);
    });
    const done = () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1]) || undefined);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', done);
  });
}

export function describeRequest(req: RawRequest, res?: RawResponse): string {
  const body = req.body === undefined ? '' : Buffer.isBuffer(req.body) ? `<${req.body.length} bytes>` : JSON.stringify(req.body.slice(0, 400));
  const answer = res ? `\n→ ${res.status} ${res.body.slice(0, 400)}` : '';
  return `${req.method} ${req.path.slice(0, 400)}\n${JSON.stringify(req.headers).slice(0, 600)}\n${body}${answer}`;
}

/** Percent-encodes as a browser does; lone surrogates become U+FFFD first (encodeURIComponent would throw). */
export const pct = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

export const encodePairs = (pairs: [string, string][]) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');

/** Node refuses to send control characters and code points above U+00FF in headers; anything else goes. */
export const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

/** Strings that have broken parsers, encoders, databases and templates before. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', 'a\u0000b', '\uFEFF', '\uD800', '\uDFFF\uD800', '\u202E\u0041', 'İ', 'ß', 'ǅ', 'ﬀ', 'e\u0301', '\r\n', '\t',
      'null', 'undefined', 'true', '0', '-1', 'NaN', '1e400', '__proto__', 'constructor', 'hasOwnProperty', 'toString',
      '../../../etc/passwd', '%00', '%zz', '%', '<script>alert(1)</script>', '"><img src=x>', "' OR 1=1 --", '"; DROP TABLE users; --',
      '${7*7}', '{{7*7}}', '<%= 7*7 %>', 'a'.repeat(129), 'a'.repeat(257), '🙂'.repeat(64), 'x@x', '@', 'a@b.c',
      'javascript:alert(1)', 'http://evil.example/', 'https://localhost', 'http://localhost:3000/callback#frag',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 10_000, 70_000).map((n) => 'A'.repeat(n)) }, // past field, header and body limits
);

/** Any JSON value, wrong-typed for whatever the field expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 63)) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [[]], { '': '' }, { __proto__: { polluted: true } }, JSON.parse('{"__proto__":{"polluted":true}}')) },
);

/** Bodies no JSON parser should accept, plus valid JSON of surprising shapes. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.constantFrom(
    '{', '}', '{"', '{"a":', '[1,2', 'nul', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u00"}',
    '1e999999', '-', '"', '[]', '[null]', 'null', '0', '"string"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}',
    '{"ClientId":"a","ClientId":"b"}', '['.repeat(20_000) + ']'.repeat(20_000), '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  ),
);

type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function plausibleString(schema: unknown): fc.Arbitrary<string> {
  const s = schema as { minLength?: number | null; maxLength?: number | null };
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 40, 60);
  const pattern = (defOf(schema).checks as { _zod: { def: { format?: string; pattern?: RegExp } } }[] | undefined)
    ?.map((c) => c._zod.def).find((d) => d.format === 'regex')?.pattern;
  if (pattern) {
    try {
      return fc.stringMatching(pattern).map((v) => v.slice(0, Math.max(max, min)));
    } catch {
      // fast-check reads a subset of regex syntax (no \p{…}); the length-bounded string below still exercises the field.
    }
  }
  return fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, max) });
}

function plausibleNumber(schema: unknown, edges: boolean): fc.Arbitrary<number> {
  const n = schema as { minValue?: number | null; maxValue?: number | null; isInt?: boolean };
  const min = Math.max(n.minValue ?? -1_000, -1e6);
  const max = Math.min(n.maxValue ?? 1_000_000, 1e9);
  const inRange = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  return edges ? fc.oneof(inRange, fc.constantFrom(min - 1, max + 1, 0, 1.5)) : inRange;
}

export type FieldOverrides = Record<string, fc.Arbitrary<unknown>>;

const dropUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * A value for a zod schema that is plausible (right types, lengths and enum members, so requests
 * get past validation into the handlers) and, with `hostile`, now and then wrong at any depth.
 * Fields named in `overrides` (ids, usernames, tokens) use the test's own generators wherever
 * they appear.
 */
export function fromSchema(schema: unknown, overrides: FieldOverrides, { hostile = true } = {}): fc.Arbitrary<unknown> {
  return schemaArb(schema, overrides, hostile, undefined, 0);
}

function schemaArb(schema: unknown, overrides: FieldOverrides, hostile: boolean, key: string | undefined, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
      return fc.option(schemaArb(def.innerType, overrides, hostile, key, depth), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(schemaArb(def.innerType, overrides, hostile, key, depth), { nil: null, freq: 5 });
    case 'default': case 'prefault': case 'catch': case 'readonly': case 'nonoptional':
      return schemaArb(def.innerType, overrides, hostile, key, depth);
    case 'pipe':
      return schemaArb(def.in, overrides, hostile, key, depth);
    case 'lazy':
      return depth > 4 ? fc.constant(null) : schemaArb((def.getter as () => unknown)(), overrides, hostile, key, depth + 1);
  }
  if (key !== undefined && Object.hasOwn(overrides, key)) return overrides[key]!;
  let plausible: fc.Arbitrary<unknown>;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      plausible = fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, schemaArb(v, overrides, hostile, k, depth + 1)]))).map(dropUndefined);
      break;
    }
    case 'string': plausible = plausibleString(schema); break;
    case 'number': case 'int': plausible = plausibleNumber(schema, hostile); break;
    case 'boolean': plausible = fc.boolean(); break;
    case 'enum': plausible = fc.constantFrom(...Object.values(def.entries as Record<string, string>)); break;
    case 'literal': plausible = fc.constantFrom(...(def.values as unknown[])); break;
    case 'array': plausible = fc.array(schemaArb(def.element, overrides, hostile, undefined, depth + 1), { maxLength: 4 }); break;
    case 'record':
    {
      const keys = schemaArb(def.keyType, overrides, hostile, undefined, depth + 1) as fc.Arbitrary<string>;
      plausible = fc.dictionary(hostile ? fc.oneof(keys, hostileString) : keys, schemaArb(def.valueType, overrides, hostile, undefined, depth + 1), { maxKeys: 4 });
    }
      break;
    case 'union': plausible = fc.oneof(...(def.options as unknown[]).map((o) => schemaArb(o, overrides, hostile, key, depth))); break;
    default: plausible = fc.jsonValue({ maxDepth: 2 });
  }
  if (!hostile) return plausible;
  return fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: depth > 3 ? fc.constant(null) : hostileValue });
}

/** A schema-shaped object with one thing wrong: a field dropped, retyped or added. */
export function mutated(body: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(body, fc.nat(), hostileValue, fc.constantFrom('drop', 'retype', 'extra', 'wrap')).map(([value, n, wrong, how]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const k = keys.length ? keys[n % keys.length]! : 'Extra';
    if (how === 'drop') delete copy[k];
    else if (how === 'retype') copy[k] = wrong;
    else if (how === 'extra') copy[`Fuzz${n % 7}`] = wrong;
    else return [copy];
    return copy;
  });
}

/**
 * The fuzzer must never succeed at setting a password: with no digit, no password passes the
 * pools' policy, so a sign-up with a fresh username still fails before anything is stored.
 */
export function withoutPasswordDigits(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return /password/i.test(key) ? value.replace(/[0-9]/g, '') : value;
  if (Array.isArray(value)) return value.map((v) => withoutPasswordDigits(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPasswordDigits(v, k)]));
  }
  return value;
}

export const ADMIN_KEY = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Signs as the AWS SDK for JavaScript v3 does (same library, same defaults). */
export async function signApiRequest(
  port: number,
  headers: Record<string, string>,
  body: string,
  { credentials = ADMIN_KEY, date = new Date(), payloadHashHeader = true } = {},
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'cognito-idp', sha256: Hash.bind(null, 'sha256'), applyChecksum: payloadHashHeader });
  const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', headers: { ...headers, host: `127.0.0.1:${port}` }, body });
  const signed = await signer.sign(request, { signingDate: date });
  return signed.headers as Record<string, string>;
}
