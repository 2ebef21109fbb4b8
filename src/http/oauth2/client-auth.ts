import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';

export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
}

const decode = (value: string) => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new AppError('InvalidClient', 'The Authorization header is malformed.');
  }
};

/**
 * client_secret_basic or client_secret_post (or a public client's bare client_id). Using both
 * methods at once is refused, as RFC 6749 §2.3 asks.
 */
export function readClientCredentials(request: FastifyRequest, body: { client_id?: string; client_secret?: string }): ClientCredentials {
  const header = request.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AppError('InvalidClient', 'The Authorization header is malformed.');
    const clientId = decode(decoded.slice(0, colon));
    const clientSecret = decode(decoded.slice(colon + 1));
    // Decoded from base64, so the edge's NUL check never saw them.
    if (`${clientId}${clientSecret}`.includes('\u0000')) throw new AppError('InvalidClient', 'The Authorization header is malformed.');
    if (body.client_secret !== undefined) throw new AppError('InvalidRequest', 'Use one client authentication method, not two.');
    if (body.client_id !== undefined && body.client_id !== clientId) throw new AppError('InvalidClient', 'client_id does not match the Authorization header.');
    return { clientId, clientSecret };
  }
  return { clientId: body.client_id, clientSecret: body.client_secret };
}
