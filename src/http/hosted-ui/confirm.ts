import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { PENDING_COOKIE } from '../session-cookie.js';
import { continueSignIn, formFields, pageContext, pageUrl, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

function renderConfirm(reply: FastifyReply, ctx: PageContext, status: number, username: string, extra: { error?: string; notice?: string } = {}) {
  return renderPage(reply, status, 'confirm', { title: 'Confirm your account', ...ctx.base, username, ...extra });
}

export async function confirmRoutes(app: FastifyInstance) {
  app.get<{ Querystring: { username?: unknown; sent?: unknown } }>('/confirmUser', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const username = typeof request.query.username === 'string' ? request.query.username : '';
    if (!username) return reply.redirect(pageUrl('/login', ctx), 302);
    const notice = request.query.sent === '1' ? 'We sent you a verification code by email.' : undefined;
    return renderConfirm(reply, ctx, 200, username, { notice });
  });

  app.post('/confirmUser', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const { username = '', code = '' } = formFields(request, ['username', 'code'] as const);
    try {
      const user = await app.services.users.confirmSignUp(ctx.pool, username, code.trim(), ctx.authRequest.client.id);
      // Only the browser that proved the password (at sign-up or sign-in) is signed in straight away.
      if (app.services.sessions.openPending('confirm', ctx.pool.id, request.cookies[PENDING_COOKIE]) === user.id) {
        return await continueSignIn(app, reply, ctx, user);
      }
      return reply.redirect(pageUrl('/login', ctx, { notice: 'confirmed' }), 302);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      if (error.code === 'NotAuthorized') return reply.redirect(pageUrl('/login', ctx, { notice: 'confirmed' }), 302);
      // An unknown username reads as a wrong code, so the page does not reveal who has an account.
      const { status, message } = formError(error.code === 'UserNotFound' ? new AppError('CodeMismatch', '') : error);
      return renderConfirm(reply, ctx, status, username, { error: message });
    }
  });

  app.post('/resendCode', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const { username = '' } = formFields(request, ['username'] as const);
    try {
      await app.services.users.resendConfirmationCode(ctx.pool, username, ctx.authRequest.client.id);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      if (error.code === 'CodeDeliveryFailure' || error.code === 'LimitExceeded') {
        return renderConfirm(reply, ctx, formError(error).status, username, { error: formError(error).message });
      }
      // Unknown or already confirmed users get the same answer as everyone else.
    }
    return renderConfirm(reply, ctx, 200, username, { notice: 'If that account is waiting for confirmation, we sent it a new code.' });
  });
}
