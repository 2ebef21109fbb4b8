import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import type { Client, UserPool } from '../../core/model.js';
import type { Services } from '../../core/services.js';
import { readClientCredentials } from './client-auth.js';
import { sendOAuthError } from './error-response.js';
import { readParams } from './params.js';

const TOKEN_PARAMS = ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope'] as const;
type TokenParams = Partial<Record<(typeof TOKEN_PARAMS)[number], string>>;

interface TokenResponse {
  id_token?: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: 'Bearer';
}

type Grant = (services: Services, pool: UserPool, client: Client, params: TokenParams) => Promise<TokenResponse>;

/** grant_type → grant. An unknown grant type fails here, in one place. */
const GRANTS: Record<string, Grant> = {
  async authorization_code(services, pool, client, p) {
    const t = await services.oauth.exchangeCode(pool, client, { code: p.code, redirectUri: p.redirect_uri, codeVerifier: p.code_verifier });
    return { id_token: t.idToken, access_token: t.accessToken, refresh_token: t.refreshToken, expires_in: t.expiresIn, token_type: 'Bearer' };
  },
  async refresh_token(services, pool, client, p) {
    const t = await services.oauth.refresh(pool, client, p.refresh_token);
    return { id_token: t.idToken, access_token: t.accessToken, refresh_token: t.refreshToken, expires_in: t.expiresIn, token_type: 'Bearer' };
  },
  async client_credentials(services, pool, client, p) {
    const t = await services.oauth.clientCredentials(pool, client, p.scope);
    return { access_token: t.accessToken, expires_in: t.expiresIn, token_type: 'Bearer' };
  },
};

export function isFormRequest(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

export async function tokenRoutes(app: FastifyInstance) {
  app.post('/oauth2/token', async (request, reply) => {
    try {
      if (!isFormRequest(request)) throw new AppError('InvalidRequest', 'Content-Type must be application/x-www-form-urlencoded.');
      const params = readParams(request.body, TOKEN_PARAMS);
      if (!params.grant_type) throw new AppError('InvalidRequest', 'The grant_type parameter is missing.');
      const grant = Object.hasOwn(GRANTS, params.grant_type) ? GRANTS[params.grant_type] : undefined;
      if (!grant) throw new AppError('UnsupportedGrantType', `Unsupported grant_type: ${params.grant_type.slice(0, 64)}`);
      const credentials = readClientCredentials(request, params);
      const { client, pool } = await app.services.oauth.authenticateClient(credentials.clientId, credentials.clientSecret);
      const body = await grant(app.services, pool, client, params);
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
    } catch (error) {
      return sendOAuthError(request, reply, error);
    }
  });

  app.get('/oauth2/token', async (request, reply) =>
    sendOAuthError(request, reply.header('allow', 'POST'), new AppError('InvalidRequest', 'Use POST for /oauth2/token.', { detail: { status: 405 } })));
}
