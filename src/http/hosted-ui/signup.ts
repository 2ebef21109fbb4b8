import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { setPendingCookie } from '../session-cookie.js';
import { attributeFields, formFields, pageContext, pageUrl, usernameField, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

/** Required attributes the form asks for: all but the one that is the username. */
function signUpAttributes(app: FastifyInstance, ctx: PageContext): string[] {
  return app.services.pools.requiredAttributes(ctx.pool).filter((a) => !(ctx.pool.settings.usernameAttributes as string[]).includes(a));
}

function renderSignUp(app: FastifyInstance, reply: FastifyReply, ctx: PageContext, status: number, values: Record<string, string | undefined> = {}, error?: { message: string; list?: string[] }) {
  return renderPage(reply, status, 'signup', {
    title: 'Sign up', ...ctx.base, ...usernameField(ctx.pool), username: values.username,
    attributes: attributeFields(signUpAttributes(app, ctx), values), passwordRules: app.services.pools.passwordRules(ctx.pool),
    error: error?.message, errorList: error?.list,
  });
}

export async function signUpRoutes(app: FastifyInstance) {
  app.get('/signup', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    if (ctx.pool.settings.allowAdminCreateUserOnly) throw new AppError('NotAuthorized', 'Sign-up is not permitted for this user pool.');
    return renderSignUp(app, reply, ctx, 200);
  });

  app.post('/signup', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const attributeNames = signUpAttributes(app, ctx);
    const fields = formFields(request, ['username', 'password', ...attributeNames]) as Record<string, string | undefined>;
    const username = (fields.username ?? '').trim();
    const attributes: Record<string, string> = {};
    for (const name of attributeNames) {
      const value = fields[name]?.trim();
      if (value) attributes[name] = value;
    }
    try {
      const result = await app.services.users.signUp(ctx.pool, { username, password: fields.password ?? '', attributes }, ctx.authRequest.client.id);
      setPendingCookie(reply, app.httpSettings, app.services.sessions.sealPending('confirm', ctx.pool.id, result.user.id));
      if (!result.codeDelivery) {
        return renderPage(reply, 200, 'message', {
          title: 'Account created', ...ctx.base,
          message: 'Your account has been created. An administrator must confirm it before you can sign in.',
          link: { href: pageUrl('/login', ctx), text: 'Back to sign in' },
        });
      }
      return reply.redirect(pageUrl('/confirmUser', ctx, { username, sent: '1' }), 302);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      const { status, message } = formError(error);
      const list = (error.detail as { failures?: string[] } | undefined)?.failures;
      return renderSignUp(app, reply, ctx, status, { ...fields, username }, { message, list });
    }
  });
}
