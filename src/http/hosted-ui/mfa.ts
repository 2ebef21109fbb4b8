import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MfaType, User } from '../../core/model.js';
import { maskDestination } from '../../core/users/attributes.js';
import { AppError } from '../../errors/app-error.js';
import { PENDING_COOKIE } from '../session-cookie.js';
import { finishSignIn, formFields, pageContext, pageUrl, type PageContext } from './page-context.js';
import { formError, renderPage } from './render.js';

const FACTORS: MfaType[] = ['SOFTWARE_TOKEN_MFA', 'SMS_MFA'];

/** The second step of a hosted sign-in: a code from the authenticator app or a text message, or setting up an app. */
export async function mfaRoutes(app: FastifyInstance) {
  /** The user and factor this browser was sent to /mfa for, if its note is fresh and the user may still sign in. */
  async function pendingChallenge(ctx: PageContext, request: FastifyRequest): Promise<{ user: User; factor: MfaType } | undefined> {
    for (const factor of FACTORS) {
      const userId = app.services.sessions.openPending(`mfa:${factor}`, ctx.pool.id, request.cookies[PENDING_COOKIE]);
      if (!userId) continue;
      const user = await app.services.users.get(ctx.pool.id, userId);
      return user?.enabled && user.status === 'CONFIRMED' ? { user, factor } : undefined;
    }
    return undefined;
  }

  async function pendingSetup(ctx: PageContext, request: FastifyRequest): Promise<User | undefined> {
    const userId = app.services.sessions.openPending('mfa_setup', ctx.pool.id, request.cookies[PENDING_COOKIE]);
    const user = userId ? await app.services.users.get(ctx.pool.id, userId) : undefined;
    return user?.enabled && user.status === 'CONFIRMED' ? user : undefined;
  }

  function renderMfa(reply: FastifyReply, ctx: PageContext, status: number, pending: { user: User; factor: MfaType }, error?: string) {
    const phone = pending.user.attributes.phone_number;
    const prompt = pending.factor === 'SMS_MFA'
      ? `Enter the code we sent by text message${phone ? ` to ${maskDestination(phone)}` : ''}.`
      : 'Enter the 6-digit code from your authenticator app.';
    return renderPage(reply, status, 'mfa', { title: 'Verify it is you', ...ctx.base, prompt, error });
  }

  app.get('/mfa', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const pending = await pendingChallenge(ctx, request);
    if (!pending) return reply.redirect(pageUrl('/login', ctx), 302);
    return renderMfa(reply, ctx, 200, pending);
  });

  app.post('/mfa', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const pending = await pendingChallenge(ctx, request);
    if (!pending) return reply.redirect(pageUrl('/login', ctx), 302);
    const { code = '' } = formFields(request, ['code'] as const);
    try {
      const amr = await app.services.mfa.checkFactor(ctx.pool, pending.user, pending.factor, code.trim());
      return await finishSignIn(app, reply, ctx, pending.user, amr);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      await app.services.signIns.failed({ pool: ctx.pool, client: ctx.authRequest.client, user: pending.user, error, factor: 'Mfa' });
      const message = error.code === 'NotAuthorized' ? 'Too many wrong codes. Wait a little, then sign in again.' : formError(error).message;
      return renderMfa(reply, ctx, 400, pending, message);
    }
  });

  async function renderSetup(reply: FastifyReply, ctx: PageContext, user: User, status: number, error?: string) {
    const { secret, uri } = await app.services.mfa.pendingOrNew(ctx.pool, user);
    // Imported here, on the one page that draws a QR code, so that servers whose users never set up an app never hold it.
    const { default: QRCode } = await import('qrcode');
    return renderPage(reply, status, 'mfa-setup', {
      title: 'Set up an authenticator app', ...ctx.base, error,
      qr: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 5 }),
      // Grouped in fours, as authenticator apps show keys typed by hand.
      secret: secret.match(/.{1,4}/g)!.join(' '),
      issuer: ctx.pool.name,
    });
  }

  app.get('/mfaSetup', async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const user = await pendingSetup(ctx, request);
    if (!user) return reply.redirect(pageUrl('/login', ctx), 302);
    return renderSetup(reply, ctx, user, 200);
  });

  app.post('/mfaSetup', { preHandler: app.csrfProtection }, async (request, reply) => {
    const ctx = await pageContext(app, request, reply);
    const user = await pendingSetup(ctx, request);
    if (!user) return reply.redirect(pageUrl('/login', ctx), 302);
    const { code = '' } = formFields(request, ['code'] as const);
    try {
      await app.services.mfa.verify(ctx.pool, user, code.trim(), ctx.authRequest.client.id);
      return await finishSignIn(app, reply, ctx, user, ['pwd', 'mfa', 'otp']);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'Internal') throw error;
      return renderSetup(reply, ctx, user, 400, formError(error).message);
    }
  });
}
