import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { setPendingCookie } from '../session-cookie.js';
import { continueSignIn, formFields, pageContext, pageUrl, usernameField, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

const NOTICES: Record<string, string> = {
  confirmed: 'Your account is confirmed. Sign in to continue.',
  password_reset: 'Your password has been changed. Sign in with your new password.',
};

function renderLogin(reply: FastifyReply, ctx: PageContext, status: number, extra: { error?: string; username?: string; notice?: string } = {}) {
  return renderPage(reply, status, 'login', {
    title: 'Sign in', ...ctx.base, ...usernameField(ctx.pool), signUpAllowed: !ctx.pool.settings.allowAdminCreateUserOnly, ...extra,
  });
}

export async function loginRoutes(app: FastifyInstance) {
  app.get<{ Querystring: { notice?: string } }>('/login', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const notice = typeof request.query.notice === 'string' ? NOTICES[request.query.notice] : undefined;
    return renderLogin(reply, ctx, 200, { notice });
  });

  app.post('/login', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const fields = formFields(request, ['username', 'password'] as const);
    const username = (fields.username ?? '').trim();
    try {
      const result = await app.services.users.authenticatePassword(ctx.pool, username, fields.password ?? '');
      if (result.kind === 'new_password_required') {
        setPendingCookie(reply, app.httpSettings, app.services.sessions.sealPending('new_password', ctx.pool.id, result.user.id));
        return reply.redirect(pageUrl('/newPassword', ctx), 302);
      }
      return await continueSignIn(app, reply, ctx, result.user);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await app.services.signIns.failed({ pool: ctx.pool, client: ctx.authRequest.client, username, error, factor: 'Password' });
      const userId = (error.detail as { userId?: string } | undefined)?.userId;
      if (error.code === 'UserNotConfirmed' && userId) {
        // The password was right: send a fresh code, and let confirming it finish the sign-in.
        setPendingCookie(reply, app.httpSettings, app.services.sessions.sealPending('confirm', ctx.pool.id, userId));
        // A failed send (delivery down, send limit reached) still shows the confirm page, without
        // claiming a code was sent; the user can ask again from there, and the failure is logged.
        const sent = await app.services.users.resendConfirmationCode(ctx.pool, username, ctx.authRequest.client.id).then(
          () => '1',
          (failure: unknown) => {
            request.log.warn({ err: failure }, 'could not send a confirmation code at sign-in');
            return undefined;
          },
        );
        return reply.redirect(pageUrl('/confirmUser', ctx, { username, sent }), 302);
      }
      // Unknown user and wrong password read the same (HOSTED_UI_ERRORS gives both one message).
      const { status, message } = formError(error);
      return renderLogin(reply, ctx, status, { error: message, username });
    }
  });
}
