import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationRequest } from '../../core/oauth/authorize.js';
import type { MfaType, User, UserPool } from '../../core/model.js';
import { AUTHORIZE_PARAMS, authorizeQueryString, readParams } from '../oauth2/params.js';

type AuthorizeParams = Partial<Record<(typeof AUTHORIZE_PARAMS)[number], string>>;
import { clearPendingCookie, setPendingCookie, setSessionCookie } from '../session-cookie.js';

/** Every hosted page carries the authorization request in its query string, as Cognito's do. */
export interface PageContext {
  params: AuthorizeParams;
  authRequest: AuthorizationRequest;
  pool: UserPool;
  /** The authorize parameters, serialised for links and form actions. */
  query: string;
  base: { poolName: string; clientName: string; query: string; csrf: string };
}

export async function pageContext(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
  const params = readParams(request.query, AUTHORIZE_PARAMS);
  const authRequest = await app.services.oauth.validateAuthorizationRequest(params);
  const query = authorizeQueryString(params);
  const csrf = await reply.generateCsrf();
  return {
    params,
    authRequest,
    pool: authRequest.pool,
    query,
    base: { poolName: authRequest.pool.name, clientName: authRequest.client.name, query, csrf },
  };
}

export function usernameField(pool: UserPool): { usernameLabel: string; usernameType: string } {
  const attrs = pool.settings.usernameAttributes;
  if (attrs.includes('email') && attrs.includes('phone_number')) return { usernameLabel: 'Email or phone number', usernameType: 'text' };
  if (attrs.includes('email')) return { usernameLabel: 'Email', usernameType: 'email' };
  if (attrs.includes('phone_number')) return { usernameLabel: 'Phone number', usernameType: 'tel' };
  return { usernameLabel: 'Username', usernameType: 'text' };
}

const LABELS: Record<string, string> = {
  given_name: 'Given name', family_name: 'Family name', middle_name: 'Middle name', name: 'Name', nickname: 'Nickname',
  preferred_username: 'Preferred username', email: 'Email', phone_number: 'Phone number', birthdate: 'Birthdate',
  address: 'Address', gender: 'Gender', locale: 'Locale', picture: 'Picture URL', profile: 'Profile URL',
  website: 'Website', zoneinfo: 'Time zone', updated_at: 'Updated at',
};
const TYPES: Record<string, string> = { email: 'email', phone_number: 'tel', birthdate: 'date', website: 'url', picture: 'url', profile: 'url' };

export interface AttributeField {
  name: string;
  label: string;
  type: string;
  value?: string;
}

export function attributeFields(names: string[], values: Record<string, string | undefined> = {}): AttributeField[] {
  return names.map((name) => ({
    name,
    label: LABELS[name] ?? name.replace(/^custom:/, '').replace(/_/g, ' '),
    type: TYPES[name] ?? 'text',
    value: values[name],
  }));
}

/**
 * After the password (and any new password or confirmation): the MFA step the pool asks for, or
 * straight back to the application. Every hosted sign-in goes through here.
 */
export async function continueSignIn(app: FastifyInstance, reply: FastifyReply, ctx: PageContext, user: User) {
  const step = await app.services.mfa.secondFactorStep(ctx.pool, user);
  if (step.kind === 'done') return finishSignIn(app, reply, ctx, user, step.amr);
  if (step.kind === 'setup') {
    setPendingCookie(reply, app.httpSettings, app.services.sessions.sealPending('mfa_setup', ctx.pool.id, user.id));
    return reply.redirect(pageUrl('/mfaSetup', ctx), 302);
  }
  // With a choice and no preference, the hosted pages ask for the authenticator app: it needs no delivery.
  const factor: MfaType = step.kind === 'challenge' ? step.factor : step.options.includes('SOFTWARE_TOKEN_MFA') ? 'SOFTWARE_TOKEN_MFA' : step.options[0]!;
  await app.services.mfa.startFactor(ctx.pool, user, factor);
  setPendingCookie(reply, app.httpSettings, app.services.sessions.sealPending(`mfa:${factor}`, ctx.pool.id, user.id));
  return reply.redirect(pageUrl('/mfa', ctx), 302);
}

/** Signs the browser in to the pool and sends it back to the application with its code or tokens. */
export async function finishSignIn(app: FastifyInstance, reply: FastifyReply, ctx: PageContext, user: User, amr: string[]) {
  await app.services.signIns.succeeded({ pool: ctx.pool, client: ctx.authRequest.client, user, amr });
  const { id, session } = await app.services.sessions.create(ctx.pool, user, amr);
  setSessionCookie(reply, app.httpSettings, ctx.pool.id, id);
  clearPendingCookie(reply, app.httpSettings);
  const location = await app.services.oauth.completeAuthorization(ctx.authRequest, { user, authTime: session.authTime, amr });
  return reply.header('cache-control', 'no-store').redirect(location, 302);
}

/** A hosted page's own URL with the authorization request and extra parameters. */
export function pageUrl(path: string, ctx: PageContext, extra: Record<string, string | undefined> = {}): string {
  return `${path}?${authorizeQueryString(ctx.params, extra)}`;
}

/** Reads a hosted form's fields as single strings (a repeated field is refused). */
export function formFields<K extends string>(request: FastifyRequest, names: readonly K[]): Partial<Record<K, string>> {
  return readParams(request.body, names);
}
