import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildRedirect, errorRedirectOf, loginRequired, type ErrorRedirect } from '../../core/oauth/authorize.js';
import type { AppError } from '../../errors/app-error.js';
import { renderErrorPage } from '../hosted-ui/render.js';
import { readSessionCookie } from '../session-cookie.js';
import { OAUTH_ERRORS, toAppError } from './error-response.js';
import { AUTHORIZE_PARAMS, authorizeQueryString, readParams } from './params.js';

/** error, error_description and state, on the validated redirect URI (query or fragment). */
function errorRedirectUrl(error: AppError, target: ErrorRedirect): string {
  return buildRedirect(
    target.redirectUri,
    { error: OAUTH_ERRORS[error.code].error, error_description: error.expose ? error.message : undefined, state: target.state },
    target.responseMode,
  );
}

/**
 * Errors of an authorization request: a bad client or redirect_uri gets a page (never a
 * redirect to an unverified address); the rest go back to the client as RFC 6749 says.
 */
export function sendAuthorizeError(reply: FastifyReply, error: unknown) {
  const appError = toAppError(error);
  const target = errorRedirectOf(appError);
  if (target) return reply.redirect(errorRedirectUrl(appError, target), 302);
  if (appError.code === 'Internal') reply.log.error({ err: appError.cause ?? appError }, 'authorize failed');
  return renderErrorPage(reply, appError);
}

export async function authorizeRoutes(app: FastifyInstance) {
  app.get('/oauth2/authorize', async (request, reply) => {
    const { services } = app;
    try {
      const params = readParams(request.query, AUTHORIZE_PARAMS);
      const authRequest = await services.oauth.validateAuthorizationRequest(params);
      if (authRequest.prompt !== 'login') {
        const signedIn = await services.sessions.resume(authRequest.pool, readSessionCookie(request, authRequest.pool.id));
        if (signedIn) {
          const location = await services.oauth.completeAuthorization(authRequest, {
            user: signedIn.user, authTime: signedIn.session.authTime, amr: signedIn.session.amr,
          });
          return reply.header('cache-control', 'no-store').redirect(location, 302);
        }
        if (authRequest.prompt === 'none') throw loginRequired(authRequest);
      }
      return reply.redirect(`/login?${authorizeQueryString(params)}`, 302);
    } catch (error) {
      return sendAuthorizeError(reply, error);
    }
  });

  app.post('/oauth2/authorize', async (_request, reply) =>
    reply.code(405).header('allow', 'GET').send({ error: 'invalid_request', error_description: 'Use GET for /oauth2/authorize.' }));
}
