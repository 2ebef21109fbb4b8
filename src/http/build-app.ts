import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { publicDir } from '../config/paths.js';
import type { Services } from '../core/services.js';
import type { Logger } from '../logging/logger.js';
import type { HttpSettings } from './context.js';
import { AccessLog } from './access-log.js';
import './context.js';
import { cognitoApiPlugin } from './cognito-api/index.js';
import { hostedUiPlugin } from './hosted-ui/index.js';
import { oauth2Plugin } from './oauth2/index.js';
import { sendOAuthError } from './oauth2/error-response.js';
import { rateLimits } from './plugins/rate-limit.js';
import { requestContext } from './plugins/request-context.js';
import { securityHeaders } from './plugins/security-headers.js';

/** Builds the whole HTTP surface without listening, so tests can use it on any port. */
export async function buildApp(services: Services, settings: HttpSettings, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new AccessLog(logger as FastifyBaseLogger),
    bodyLimit: settings.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    // Believing X-Forwarded-For from anyone would let every client pick its own rate-limit budget.
    trustProxy: settings.trustProxy ?? false,
  });
  app.decorate('services', services);
  app.decorate('httpSettings', settings);

  await app.register(requestContext);
  await app.register(cookie, { secret: settings.cookieSecret, parseOptions: {} });
  await app.register(securityHeaders, { secure: settings.secureCookies });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/static/', maxAge: 3600_000, decorateReply: false });

  // Liveness: the process serves HTTP. Readiness: it can also reach its database, fully migrated,
  // so a load balancer sends it traffic (and an orchestrator waits for it) only then.
  app.get('/health', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/ready', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const state = await services.health.ready();
    if (state.ready) return reply.send({ status: 'ready' });
    request.log.warn({ reason: state.reason }, 'not ready');
    return reply.code(503).send({ status: 'not ready', reason: state.reason });
  });

  await app.register(rateLimits, { perMinute: settings.rateLimitPerMinute, shared: settings.sharedRateLimits });
  await app.register(oauth2Plugin);
  await app.register(hostedUiPlugin);
  await app.register(cognitoApiPlugin);

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', error_description: `No route for ${request.method} ${request.url.split('?')[0]}` }));
  app.setErrorHandler((error: FastifyError, request, reply) => sendOAuthError(request, reply, error));
  return app;
}
