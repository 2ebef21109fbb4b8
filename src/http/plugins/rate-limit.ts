import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitCounter } from '../../core/ports.js';
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
  /** Counts shared by every instance (Redis or PostgreSQL); the plugin's in-memory store (this process only) when absent. */
  shared?: RateLimitCounter;
}

/** How often, at most, an unreachable counter store is reported, so an outage does not flood the log. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * A @fastify/rate-limit store over a shared counter. When the counter fails (Redis or the
 * database is briefly unreachable) the request is let through and a warning logged: refusing every sign-in
 * with a 500 because a counter could not be read would turn a blip into an outage, and the
 * endpoints behind the limit have their own per-user defences (lockout, code attempts, send caps).
 */
function sharedStore(counter: RateLimitCounter, log: FastifyBaseLogger): FastifyRateLimitStoreCtor {
  let lastReported = Number.NEGATIVE_INFINITY;
  class SharedStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(key, timeWindow).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (error: unknown) => {
          const now = Date.now();
          if (now - lastReported >= FAILURE_LOG_INTERVAL_MS) {
            lastReported = now;
            log.warn({ err: error }, 'rate-limit counters are unavailable; requests pass unlimited until their store (Redis or the database) answers');
          }
          callback(null, { current: 0, ttl: timeWindow });
        },
      );
    }

    child(): FastifyRateLimitStore {
      return new SharedStore();
    }
  }
  return SharedStore;
}

/**
 * Per-IP rate limits (@fastify/rate-limit) on the sign-in, sign-up, code-sending and token
 * endpoints of all three surfaces. One budget per client address (the socket's, or the one a
 * proxy named in TRUST_PROXY forwarded; IPv6 counted per /64) covers all of them together. Past it the limiter throws
 * AppError('TooManyRequests') from onRequest (before the body is read or CSRF checked), so each
 * surface's own error handler answers in its protocol, with Retry-After set.
 *
 * The counters live behind the plugin's `store` option: its in-memory LRU store (per process, lost
 * on restart), right for a single instance on SQLite; or, given `shared`, counts every instance on
 * the same Redis (REDIS_URL) or PostgreSQL database sees, so N instances enforce one budget rather than N.
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
      ...(opts.shared ? { store: sharedStore(opts.shared, app.log) } : {}),
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
