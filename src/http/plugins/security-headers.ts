import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';

/**
 * The CSP has no form-action: browsers apply it to the redirect after a form post, which would
 * block sending the user back to the app's callback.
 */
function helmetOptions(secure: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over https.
    hsts: secure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  };
}

/**
 * The headers helmet sets for these options. They depend on nothing in the request, so helmet
 * computes them once, against a response that is never sent, and every request reuses them
 * (@fastify/helmet builds helmet's middleware anew for each request: 6% of a discovery request).
 */
export function securityHeaderValues(secure: boolean): OutgoingHttpHeaders {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  let failure: unknown;
  helmet(helmetOptions(secure))(response.req, response, (error?: unknown) => { failure = error; });
  if (failure) throw failure;
  return response.getHeaders();
}

/** Security headers on every response. */
export const securityHeaders = fp(
  async (app, opts: { secure: boolean }) => {
    const headers = securityHeaderValues(opts.secure);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'openpool-security-headers' },
);
