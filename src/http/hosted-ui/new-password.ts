import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import type { User } from '../../core/model.js';
import { missingRequiredAttributes } from '../../core/users/attributes.js';
import { PENDING_COOKIE } from '../session-cookie.js';
import { attributeFields, continueSignIn, formFields, pageContext, pageUrl, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

function renderNewPassword(app: FastifyInstance, reply: FastifyReply, ctx: PageContext, status: number, missing: string[], values: Record<string, string | undefined> = {}, error?: { message: string; list?: string[] }) {
  return renderPage(reply, status, 'new-password', {
    title: 'Change your password', ...ctx.base, attributes: attributeFields(missing, values),
    passwordRules: app.services.pools.passwordRules(ctx.pool), error: error?.message, errorList: error?.list,
  });
}

/** NEW_PASSWORD_REQUIRED on the hosted pages: only for the browser that just proved the temporary password. */
export async function newPasswordRoutes(app: FastifyInstance) {
  async function pendingUser(ctx: PageContext, sealed: string | undefined): Promise<User | undefined> {
    const userId = app.services.sessions.openPending('new_password', ctx.pool.id, sealed);
    const user = userId ? await app.services.users.get(ctx.pool.id, userId) : undefined;
    return user?.status === 'FORCE_CHANGE_PASSWORD' ? user : undefined;
  }

  app.get('/newPassword', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const user = await pendingUser(ctx, request.cookies[PENDING_COOKIE]);
    if (!user) return reply.redirect(pageUrl('/login', ctx), 302);
    return renderNewPassword(app, reply, ctx, 200, missingRequiredAttributes(ctx.pool.settings, user.attributes));
  });

  app.post('/newPassword', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const user = await pendingUser(ctx, request.cookies[PENDING_COOKIE]);
    if (!user) return reply.redirect(pageUrl('/login', ctx), 302);
    const missing = missingRequiredAttributes(ctx.pool.settings, user.attributes);
    const f = formFields(request, ['password', 'confirmPassword', ...missing]) as Record<string, string | undefined>;
    const attributes = Object.fromEntries(missing.map((m) => [m, (f[m] ?? '').trim()]).filter(([, v]) => v !== ''));
    if (f.confirmPassword !== undefined && f.password !== f.confirmPassword) {
      return renderNewPassword(app, reply, ctx, 400, missing, f, { message: 'The two passwords do not match.' });
    }
    try {
      const updated = await app.services.users.completeNewPassword(ctx.pool, user.id, f.password ?? '', attributes, ctx.authRequest.client.id);
      return await continueSignIn(app, reply, ctx, updated);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      const { status, message } = formError(error);
      return renderNewPassword(app, reply, ctx, status, missing, f, { message, list: (error.detail as { failures?: string[] } | undefined)?.failures });
    }
  });
}
