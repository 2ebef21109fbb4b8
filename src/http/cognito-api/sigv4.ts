import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiProtocolError } from './errors.js';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const AUTH_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([\w-]+)\/([\w-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60_000;

function amzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** The AWS SDK's signer, imported on the first signed call: a server that gets none never holds it (about 2 MB). */
let signerModules: Promise<[typeof import('@smithy/signature-v4'), typeof import('@smithy/hash-node')]> | undefined;
const loadSigner = () => (signerModules ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]));

/**
 * Verifies an AWS Signature Version 4 on an admin call by recomputing it with the AWS SDK's own
 * signer over the headers the caller signed and the raw body, then comparing in constant time.
 * Errors carry the names the real service answers with.
 */
export async function verifySigV4(request: FastifyRequest, rawBody: string, keys: AccessKey[], now: number): Promise<AccessKey> {
  const header = request.headers.authorization;
  if (!header) throw new ApiProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH_PATTERN.exec(header);
  if (!m) throw new ApiProtocolError('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature.');
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m as unknown as string[];
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) throw new ApiProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const date = amzDate(request.headers['x-amz-date'] as string | undefined);
  if (!date) throw new ApiProtocolError('IncompleteSignatureException', 'The request must contain a valid X-Amz-Date header.');
  if (Math.abs(now - date.getTime()) > MAX_SKEW_MS) {
    throw new ApiProtocolError('InvalidSignatureException', 'Signature expired: the request time is more than 5 minutes away from the server time.');
  }
  const signed = signedHeaderList!.split(';');
  if (!signed.includes('host')) throw new ApiProtocolError('IncompleteSignatureException', 'The host header must be signed.');
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = request.headers[name];
    if (value === undefined) throw new ApiProtocolError('IncompleteSignatureException', `Signed header ${name} is missing.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // When signed, this header is what the signer hashes in place of the body, so unless it is the
  // body's own hash a captured signature would carry any other body.
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(rawBody, 'utf8').digest('hex')) {
    throw new ApiProtocolError('InvalidSignatureException', 'The x-amz-content-sha256 header does not match the request body.');
  }
  const [{ SignatureV4 }, { Hash }] = await loadSigner();
  // applyChecksum off: the signer must not add an x-amz-content-sha256 header the caller did not sign.
  const signer = new SignatureV4({ credentials: key, region: region!, service: service!, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true, applyChecksum: false });
  const url = new URL(request.url, 'http://placeholder');
  const result = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: rawBody },
    { signingDate: date, signingRegion: region, signingService: service, signableHeaders: new Set(signed), unsignableHeaders: new Set() },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(result.headers.authorization ?? result.headers.Authorization))?.[1] ?? '';
  const scopeMatches = scopeDate === expectedScopeDate(date);
  if (!scopeMatches || expected.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
    throw new ApiProtocolError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return key;
}

const expectedScopeDate = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '');
