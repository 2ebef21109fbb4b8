import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { runInRequestContext, type RequestContext } from '../../logging/request-context.js';

const MAX_USER_AGENT = 512;

/** The socket's address as people write it (an IPv4 client of a dual-stack socket without `::ffff:`). */
const clientIp = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

/**
 * Puts each request's client address, user agent and id into the request context (an
 * AsyncLocalStorage), so the audit trail can stamp events without the core knowing about HTTP.
 */
export const requestContext = fp(
  async (app) => {
    const contexts = new WeakMap<FastifyRequest, RequestContext>();
    app.addHook('onRequest', (request, _reply, done) => {
      const agent = request.headers['user-agent'];
      const context: RequestContext = {
        ip: clientIp(request.ip),
        userAgent: typeof agent === 'string' && agent !== '' ? agent.slice(0, MAX_USER_AGENT) : undefined,
        requestId: request.id,
      };
      contexts.set(request, context);
      runInRequestContext(context, done);
    });
    // A body is read on the socket's stream events, outside the context entered above; enter it again.
    app.addHook('preValidation', (request, _reply, done) => {
      const context = contexts.get(request);
      if (context) runInRequestContext(context, done);
      else done();
    });
  },
  { name: 'openpool-request-context' },
);
