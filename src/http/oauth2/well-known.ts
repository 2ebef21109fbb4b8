import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { POOL_ID_PATTERN } from '../../core/pools/ids.js';

interface CachedBody {
  body: string;
  etag: string;
}

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

function sendCached(request: FastifyRequest, reply: FastifyReply, cached: CachedBody, maxAge: number) {
  reply.header('etag', cached.etag).header('cache-control', `public, max-age=${maxAge}`).type('application/json; charset=utf-8');
  if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
  return reply.send(cached.body);
}

/** The OIDC discovery document: Cognito's fields, plus grant types and PKCE methods for clients that look. */
export function discoveryDocument(publicUrl: string, issuer: string, poolId: string): Record<string, unknown> {
  return {
    authorization_endpoint: `${publicUrl}/oauth2/authorize`,
    code_challenge_methods_supported: ['S256'],
    end_session_endpoint: `${publicUrl}/logout`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'implicit'],
    id_token_signing_alg_values_supported: ['RS256'],
    issuer,
    jwks_uri: `${publicUrl}/${poolId}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    revocation_endpoint: `${publicUrl}/oauth2/revoke`,
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    subject_types_supported: ['public'],
    token_endpoint: `${publicUrl}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${publicUrl}/oauth2/userInfo`,
  };
}

/**
 * Discovery and JWKS are read constantly by every verifier: their bodies are serialised once per
 * pool and served with an ETag. The JWKS cache is keyed by the signer's JWKS object, which the
 * signer replaces exactly when the published key set changes (a rotation, a retired key dropped),
 * so body and ETag follow the keys.
 */
export async function wellKnownRoutes(app: FastifyInstance) {
  const discoveryCache = new Map<string, CachedBody>();
  const jwksCache = new Map<string, { source: unknown; cached: CachedBody }>();
  const notFound = (reply: FastifyReply) =>
    reply.code(404).send({ error: 'not_found', error_description: 'User pool not found.' });

  app.get<{ Params: { poolId: string } }>('/:poolId/.well-known/openid-configuration', async (request, reply) => {
    const { poolId } = request.params;
    // One indexed read with no settings parsed; it keeps a deleted pool from being served from cache.
    if (!POOL_ID_PATTERN.test(poolId) || !(await app.services.pools.exists(poolId))) return notFound(reply);
    let cached = discoveryCache.get(poolId);
    if (!cached) {
      const body = JSON.stringify(discoveryDocument(app.httpSettings.publicUrl, app.services.issuer.issuerFor(poolId), poolId));
      cached = { body, etag: etagOf(body) };
      discoveryCache.set(poolId, cached);
    }
    return sendCached(request, reply, cached, 3600);
  });

  app.get<{ Params: { poolId: string } }>('/:poolId/.well-known/jwks.json', async (request, reply) => {
    const { poolId } = request.params;
    if (!POOL_ID_PATTERN.test(poolId) || !(await app.services.pools.exists(poolId))) return notFound(reply);
    const jwks = await app.services.keys.jwks(poolId);
    if (jwks.keys.length === 0) return notFound(reply);
    let entry = jwksCache.get(poolId);
    if (!entry || entry.source !== jwks) {
      const body = JSON.stringify(jwks);
      entry = { source: jwks, cached: { body, etag: etagOf(body) } };
      jwksCache.set(poolId, entry);
    }
    return sendCached(request, reply, entry.cached, 300);
  });
}
