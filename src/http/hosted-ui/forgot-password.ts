import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { formFields, pageContext, pageUrl, usernameField, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

/** Failures that would tell a stranger whether an account exists: answered like success. */
const SILENT = new Set(['UserNotFound', 'InvalidParameter', 'NotAuthorized']);

function renderConfirmForgot(app: FastifyInstance, reply: FastifyReply, ctx: PageContext, status: number, username: string, error?: { message: string; list?: string[] }) {
  return renderPage(reply, status, 'confirm-forgot-password', {
    title: 'Reset your password', ...ctx.base, username, passwordRules: app.services.pools.passwordRules(ctx.pool),
    error: error?.message, errorList: error?.list,
  });
}

export async function forgotPasswordRoutes(app: FastifyInstance) {
  app.get('/forgotPassword', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    return renderPage(reply, 200, 'forgot-password', { title: 'Forgot your password?', ...ctx.base, ...usernameField(ctx.pool) });
  });

  app.post('/forgotPassword', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const username = (formFields(request, ['username'] as const).username ?? '').trim();
    if (!username) {
      return renderPage(reply, 400, 'forgot-password', { title: 'Forgot your password?', ...ctx.base, ...usernameField(ctx.pool), error: 'Enter your username.' });
    }
    try {
      await app.services.users.forgotPassword(ctx.pool, username, ctx.authRequest.client.id);
    } catch (error) {
      if (!(error instanceof AppError) || !SILENT.has(error.code)) throw error;
    }
    return reply.redirect(pageUrl('/confirmForgotPassword', ctx, { username }), 302);
  });

  for (const path of ['/confirmForgotPassword', '/confirmforgotPassword']) {
    app.get<{ Querystring: { username?: unknown } }>(path, async (request, reply) => {
      const ctx = await pageContext(app, request, reply);
      const username = typeof request.query.username === 'string' ? request.query.username : '';
      if (!username) return reply.redirect(pageUrl('/forgotPassword', ctx), 302);
      return renderConfirmForgot(app, reply, ctx, 200, username);
    });

    app.post(path, { preHandler: app.csrfProtection }, async (request, reply) => {
      const ctx = await pageContext(app, request, reply);
      const f = formFields(request, ['username', 'code', 'password', 'confirmPassword'] as const);
      const username = f.username ?? '';
      if (f.confirmPassword !== undefined && f.password !== f.confirmPassword) {
        return renderConfirmForgot(app, reply, ctx, 400, username, { message: 'The two passwords do not match.' });
      }
      try {
        await app.services.users.confirmForgotPassword(ctx.pool, username, (f.code ?? '').trim(), f.password ?? '', ctx.authRequest.client.id);
        return reply.redirect(pageUrl('/login', ctx, { notice: 'password_reset' }), 302);
      } catch (error) {
        if (!(error instanceof AppError) || error.code === 'Internal') throw error;
        const { status, message } = formError(error.code === 'UserNotFound' ? new AppError('CodeMismatch', '') : error);
        return renderConfirmForgot(app, reply, ctx, status, username, { message, list: (error.detail as { failures?: string[] } | undefined)?.failures });
      }
    });
  }
}
