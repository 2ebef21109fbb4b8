import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { sendAuthorizeError } from '../oauth2/authorize.js';
import { rejectNul } from '../plugins/reject-nul.js';
import { confirmRoutes } from './confirm.js';
import { forgotPasswordRoutes } from './forgot-password.js';
import { loginRoutes } from './login.js';
import { mfaRoutes } from './mfa.js';
import { newPasswordRoutes } from './new-password.js';
import { renderPage } from './render.js';
import { signUpRoutes } from './signup.js';

const ERROR_PAGE_TEXT: Record<string, string> = {
  redirect_mismatch: 'The address this application asked to return to is not registered for it.',
  invalid_client: 'This application is not known to the sign-in service.',
};

/** The hosted pages: HTML forms, CSRF on every post, errors re-rendered as pages. */
export async function hostedUiPlugin(app: FastifyInstance) {
  await app.register(formbody, { bodyLimit: app.httpSettings.bodyLimit });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'XSRF-TOKEN',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: app.httpSettings.secureCookies, signed: true },
    getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code?.startsWith('FST_CSRF')) {
      return renderPage(reply, 403, 'message', {
        title: 'Please try again', error: 'This form has expired or was not sent from this site.',
        message: 'Go back, reload the page and submit the form again.',
      });
    }
    // The pages carry an authorization request: its errors are answered exactly as /oauth2/authorize does.
    return sendAuthorizeError(reply, error);
  });

  await app.register(rejectNul);
  await app.register(loginRoutes);
  await app.register(signUpRoutes);
  await app.register(confirmRoutes);
  await app.register(forgotPasswordRoutes);
  await app.register(newPasswordRoutes);
  await app.register(mfaRoutes);

  app.get<{ Querystring: { error?: unknown } }>('/error', async (request, reply) => {
    const key = typeof request.query.error === 'string' ? request.query.error : '';
    return renderPage(reply, 400, 'message', {
      title: 'Something is not right', error: ERROR_PAGE_TEXT[key] ?? 'The sign-in request could not be completed.',
      message: 'Return to the application and try again.',
    });
  });
}
