import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors/app-error.js';

/**
 * POST routes that guess passwords, create accounts, send codes or mint tokens (compared in lower
 * case, so Cognito's alias /confirmforgotPassword is covered too).
 */
const LIMITED_PATHS = new Set([
  '/login', '/signup', '/confirmuser', '/resendcode', '/forgotpassword', '/confirmforgotpassword', '/newpassword', '/mfa', '/mfasetup',
  '/oauth2/token', '/oauth2/revoke',
]);

/** The Cognito API is one route (POST /): only these operations count against the budget. */
const API_PATH = '/';
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const LIMITED_OPERATIONS = new Set([
  'SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'InitiateAuth', 'RespondToAuthChallenge', 'ForgotPassword',
  'ConfirmForgotPassword', 'ChangePassword', 'GetUserAttributeVerificationCode', 'VerifyUserAttribute',
  'AdminInitiateAuth', 'AdminRespondToAuthChallenge', 'AssociateSoftwareToken', 'VerifySoftwareToken',
]);

function isLimitedOperation(request: FastifyRequest): boolean {
  const target = request.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX) && LIMITED_OPERATIONS.has(target.slice(TARGET_PREFIX.length));
}

export interface RateLimitOptions {
  /** Requests per client address per minute, all limited endpoints together (RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** Where the counters live; the plugin's in-memory store when absent. */
  store?: FastifyRateLimitStoreCtor;
}

/**
 * Per-IP rate limits (@fastify/rate-limit) on the sign-in, sign-up, code-sending and token
 * endpoints of all three surfaces. One budget per client address (the socket's: trustProxy is
 * off; IPv6 counted per /64) covers all of them together. Past it the limiter throws
 * AppError('TooManyRequests') from onRequest (before the body is read or CSRF checked), so each
 * surface's own error handler answers in its protocol, with Retry-After set.
 *
 * The counters live behind the plugin's `store` option. Today that is its default in-memory LRU
 * store: per process and lost on restart, which is right for a single instance. When instances
 * share a database, pass a shared store (PostgreSQL or Redis) here and nothing else changes.
 *
 * Register before the surfaces: it marks their routes as they are added.
 */
export const rateLimits = fp(
  async (app, opts: RateLimitOptions) => {
    await app.register(rateLimit, {
      global: false,
      max: opts.perMinute,
      timeWindow: 60_000,
      cache: 20_000,
      ...(opts.store ? { store: opts.store } : {}),
      errorResponseBuilder: (request, context) =>
        new AppError('TooManyRequests', request.routeOptions.url === API_PATH ? 'Rate exceeded' : `Too many requests, please try again in ${context.after}.`),
      onExceeded: (request) => request.log.warn({ ip: request.ip, url: request.routeOptions.url }, 'rate limit exceeded'),
    });
    // Without options the handler uses the plugin's own store: one counter per address for every route below.
    const limit = app.rateLimit() as unknown as (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    const limitOperations: onRequestAsyncHookHandler = async (request, reply) => {
      if (isLimitedOperation(request)) await limit(request, reply);
    };

    app.addHook('onRoute', (route: RouteOptions) => {
      if (![route.method].flat().includes('POST')) return;
      const hook = route.url === API_PATH ? limitOperations : LIMITED_PATHS.has(route.url.toLowerCase()) ? limit : undefined;
      if (!hook) return;
      const existing = route.onRequest ? [route.onRequest].flat() : [];
      route.onRequest = [...existing, hook] as RouteOptions['onRequest'];
    });
  },
  { name: 'openpool-rate-limits' },
);
