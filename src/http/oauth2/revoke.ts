import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { readClientCredentials } from './client-auth.js';
import { sendOAuthError } from './error-response.js';
import { readParams } from './params.js';
import { isFormRequest } from './token.js';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export async function revokeRoutes(app: FastifyInstance) {
  app.post('/oauth2/revoke', async (request, reply) => {
    try {
      if (!isFormRequest(request)) throw new AppError('InvalidRequest', 'Content-Type must be application/x-www-form-urlencoded.');
      const params = readParams(request.body, ['token', 'token_type_hint', 'client_id', 'client_secret'] as const);
      const credentials = readClientCredentials(request, params);
      const { client } = await app.services.oauth.authenticateClient(credentials.clientId, credentials.clientSecret);
      if (!params.token) throw new AppError('InvalidRequest', 'The token parameter is missing.');
      if (!client.settings.enableTokenRevocation) throw new AppError('InvalidRequest', 'Token revocation is disabled for this client.');
      if (JWT_SHAPE.test(params.token)) throw new AppError('UnsupportedTokenType', 'Only refresh tokens can be revoked.');
      await app.services.oauth.revoke(client, params.token);
      return reply.header('cache-control', 'no-store').code(200).send();
    } catch (error) {
      return sendOAuthError(request, reply, error);
    }
  });
}
