import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers on every response. The CSP has no form-action: browsers apply it to the
 * redirect after a form post, which would block sending the user back to the app's callback.
 */
export const securityHeaders = fp(
  async (app, opts: { secure: boolean }) => {
    await app.register(helmet, {
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
      hsts: opts.secure ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    });
  },
  { name: 'openpool-security-headers' },
);
