/**
 * The HTTP the harness needs outside autocannon: setup calls, SigV4-signed admin calls and the
 * hosted code flow. node:http with one keep-alive agent per virtual user, so "one connection
 * per user" holds; fetch's shared pool would spread a user's steps over several sockets.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A keep-alive agent holding exactly one socket: one virtual user, one connection. */
export const oneConnection = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

export function httpRequest(
  agent: http.Agent,
  base: URL,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = http.request({ agent, host: base.hostname, port: base.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // Bounded, so a wedged server cannot hang the harness.
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: no answer in ${init.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JSON_1_1 = 'application/x-amz-json-1.1';

/** Headers of a user (unsigned) call of the Cognito API. */
export const apiHeaders = (operation: string) => ({ 'content-type': JSON_1_1, 'x-amz-target': `${TARGET_PREFIX}${operation}` });

/**
 * A SigV4-signed admin call, ready to send as-is. The signature covers the Host header, so it is
 * set explicitly (autocannon would otherwise write its own). Signatures stay valid for the
 * server's 5-minute skew window, longer than any bounded run.
 */
export async function signedAdminCall(base: URL, key: AccessKey, operation: string, payload: unknown): Promise<{ headers: Record<string, string>; body: string }> {
  const body = JSON.stringify(payload);
  const signer = new SignatureV4({ credentials: key, region: 'us-east-1', service: 'cognito-idp', sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: base.hostname, port: Number(base.port), path: '/', query: {},
    headers: { host: base.host, ...apiHeaders(operation) }, body,
  });
  return { headers: signed.headers as Record<string, string>, body };
}

export async function adminCall(agent: http.Agent, base: URL, key: AccessKey, operation: string, payload: unknown): Promise<Record<string, unknown>> {
  const call = await signedAdminCall(base, key, operation, payload);
  const res = await httpRequest(agent, base, 'POST', '/', call);
  if (res.status !== 200) throw new Error(`${operation}: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

export interface CodeFlowClient {
  id: string;
  secret?: string;
  redirectUri: string;
  scope: string;
}

export interface FlowTokens {
  id_token: string;
  access_token: string;
  refresh_token: string;
}

export class FlowError extends Error {
  constructor(readonly step: string, readonly status: number, detail: string) {
    super(`code flow failed at ${step}: ${status} ${detail.slice(0, 300)}`);
  }
}

function cookiesFrom(headers: http.IncomingHttpHeaders): string {
  return (headers['set-cookie'] ?? []).map((line) => line.split(';')[0]!.trim()).join('; ');
}

/** Path and query of a redirect, so the next hop still goes to 127.0.0.1 whatever host PUBLIC_URL names. */
function localPath(location: string | undefined, base: URL): string {
  if (!location) throw new FlowError('redirect', 0, 'no Location header');
  const url = new URL(location, base);
  return `${url.pathname}${url.search}`;
}

/**
 * The whole hosted code flow with PKCE, as a browser without JavaScript does it: authorize →
 * 302 to /login → GET the form (CSRF cookie + token) → POST it → 302 to the callback with a code →
 * token exchange. The session cookie is never sent back, so every flow signs in for real.
 */
export async function hostedCodeFlow(agent: http.Agent, base: URL, client: CodeFlowClient, username: string, password: string): Promise<FlowTokens> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: client.id, redirect_uri: client.redirectUri, scope: client.scope, state: randomBytes(8).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const authorize = await httpRequest(agent, base, 'GET', `/oauth2/authorize?${query}`);
  if (authorize.status !== 302) throw new FlowError('authorize', authorize.status, authorize.body);
  const page = await httpRequest(agent, base, 'GET', localPath(authorize.headers.location, base));
  if (page.status !== 200) throw new FlowError('login page', page.status, page.body);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  const action = /<form name="cognitoSignInForm"[^>]*action="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
  if (!csrf || !action) throw new FlowError('login page', page.status, 'no sign-in form or CSRF token');
  const posted = await httpRequest(agent, base, 'POST', localPath(action, base), {
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesFrom(page.headers) },
    body: form({ _csrf: csrf, username, password }),
  });
  const code = posted.status === 302 ? new URL(posted.headers.location ?? '', base).searchParams.get('code') : null;
  if (!code) throw new FlowError('login post', posted.status, posted.body);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.secret) headers.authorization = basicAuth(client.id, client.secret);
  const token = await httpRequest(agent, base, 'POST', '/oauth2/token', {
    headers,
    body: form({ grant_type: 'authorization_code', client_id: client.id, code, redirect_uri: client.redirectUri, code_verifier: verifier }),
  });
  if (token.status !== 200) throw new FlowError('token', token.status, token.body);
  return JSON.parse(token.body) as FlowTokens;
}
