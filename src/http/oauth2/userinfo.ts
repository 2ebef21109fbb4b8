import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendOAuthError } from './error-response.js';

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
  return match?.[1];
}

async function handle(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  try {
    const token = bearerToken(request);
    if (!token) {
      // RFC 6750 §3.1: no credentials means no error code, just the challenge.
      return reply.code(401).header('www-authenticate', 'Bearer realm="openpool"').header('cache-control', 'no-store')
        .send({ error: 'invalid_request', error_description: 'An access token is required (Authorization: Bearer <token>).' });
    }
    const claims = await app.services.oauth.userInfo(token);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(claims);
  } catch (error) {
    return sendOAuthError(request, reply, error);
  }
}

export async function userInfoRoutes(app: FastifyInstance) {
  for (const path of ['/oauth2/userInfo', '/oauth2/userinfo']) {
    app.get(path, (request, reply) => handle(app, request, reply));
    app.post(path, (request, reply) => handle(app, request, reply));
  }
}
