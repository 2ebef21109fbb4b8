import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { renderErrorPage } from '../hosted-ui/render.js';
import { clearSessionCookie, readSessionCookie } from '../session-cookie.js';
import { toAppError } from './error-response.js';
import { AUTHORIZE_PARAMS, authorizeQueryString, readParams } from './params.js';

/**
 * Cognito's /logout: ends the hosted-UI session of the client's pool, then either sends the
 * browser to a registered logout_uri or back to the sign-in page (redirect_uri + response_type).
 */
export async function logoutRoutes(app: FastifyInstance) {
  app.get('/logout', async (request, reply) => {
    const { services, httpSettings } = app;
    try {
      const params = readParams(request.query, [...AUTHORIZE_PARAMS, 'logout_uri'] as const);
      const found = params.client_id ? await services.pools.findClient(params.client_id) : undefined;
      if (!found) throw new AppError('InvalidClient', params.client_id ? 'The client does not exist.' : 'Required parameter client_id is not present.');
      const { client, pool } = found;

      let location: string;
      if (params.logout_uri !== undefined) {
        if (!client.settings.logoutUrls.includes(params.logout_uri)) {
          throw new AppError('RedirectMismatch', 'The logout_uri is not registered for this client.');
        }
        location = params.logout_uri;
      } else if (params.redirect_uri !== undefined && params.response_type !== undefined) {
        // Validates redirect_uri exactly as /oauth2/authorize does before sending anyone there.
        await services.oauth.validateAuthorizationRequest(params);
        location = `/login?${authorizeQueryString(params)}`;
      } else {
        throw new AppError('InvalidRequest', 'Required parameter logout_uri (or redirect_uri with response_type) is not present.');
      }
      await services.sessions.end(readSessionCookie(request, pool.id));
      clearSessionCookie(reply, httpSettings, pool.id);
      return reply.header('cache-control', 'no-store').redirect(location, 302);
    } catch (error) {
      return renderErrorPage(reply, toAppError(error));
    }
  });

  app.post('/logout', async (_request, reply) => reply.code(405).header('allow', 'GET').send({ error: 'invalid_request', error_description: 'Use GET for /logout.' }));
}
