import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance } from 'fastify';
import { rejectNul } from '../plugins/reject-nul.js';
import { authorizeRoutes } from './authorize.js';
import { sendOAuthError } from './error-response.js';
import { logoutRoutes } from './logout.js';
import { revokeRoutes } from './revoke.js';
import { tokenRoutes } from './token.js';
import { userInfoRoutes } from './userinfo.js';
import { wellKnownRoutes } from './well-known.js';

/** The OAuth 2.0 / OIDC endpoints: form input, OAuth JSON errors, no-store on credentials. */
export async function oauth2Plugin(app: FastifyInstance) {
  await app.register(formbody, { bodyLimit: app.httpSettings.bodyLimit });
  app.setErrorHandler((error: FastifyError, request, reply) => sendOAuthError(request, reply, error));
  await app.register(rejectNul);
  await app.register(authorizeRoutes);
  await app.register(tokenRoutes);
  await app.register(userInfoRoutes);
  await app.register(revokeRoutes);
  await app.register(logoutRoutes);
  await app.register(wellKnownRoutes);
}
