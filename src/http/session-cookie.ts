import type { FastifyReply, FastifyRequest } from 'fastify';
import { BROWSER_SESSION_TTL_MS } from '../core/users/browser-session.js';
import type { HttpSettings } from './context.js';

/** One hosted-UI session cookie per user pool, so signing in to one pool says nothing about another. */
export const sessionCookieName = (poolId: string) => `openpool_session_${poolId}`;
export const PENDING_COOKIE = 'openpool_pending';

const baseOptions = (settings: HttpSettings) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: settings.secureCookies,
  path: '/',
});

export function readSessionCookie(request: FastifyRequest, poolId: string): string | undefined {
  return request.cookies[sessionCookieName(poolId)];
}

export function setSessionCookie(reply: FastifyReply, settings: HttpSettings, poolId: string, id: string) {
  reply.setCookie(sessionCookieName(poolId), id, { ...baseOptions(settings), maxAge: BROWSER_SESSION_TTL_MS / 1000 });
}

export function clearSessionCookie(reply: FastifyReply, settings: HttpSettings, poolId: string) {
  reply.clearCookie(sessionCookieName(poolId), baseOptions(settings));
}

export function setPendingCookie(reply: FastifyReply, settings: HttpSettings, value: string) {
  reply.setCookie(PENDING_COOKIE, value, { ...baseOptions(settings), maxAge: 30 * 60 });
}

export function clearPendingCookie(reply: FastifyReply, settings: HttpSettings) {
  reply.clearCookie(PENDING_COOKIE, baseOptions(settings));
}
