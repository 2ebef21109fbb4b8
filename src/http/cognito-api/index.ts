import cors from '@fastify/cors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { adminAuthEventActions } from './actions/admin-auth-events.js';
import { adminGroupActions } from './actions/admin-groups.js';
import { adminPoolActions } from './actions/admin-pools.js';
import { adminReadActions } from './actions/admin-read.js';
import { adminUserActions } from './actions/admin-users.js';
import { authActions } from './actions/auth.js';
import { mfaActions } from './actions/mfa.js';
import { signUpActions } from './actions/sign-up.js';
import { containsNul, nulRefused } from '../plugins/reject-nul.js';
import { ApiProtocolError, sendApiError } from './errors.js';
import type { ActionTable } from './registry.js';
import { verifySigV4 } from './sigv4.js';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/** X-Amz-Target → action. An unknown operation fails here, in one place. Exported so tests can cover every action. */
export const ACTIONS: ActionTable = {
  ...signUpActions, ...authActions, ...adminReadActions, ...adminPoolActions, ...adminGroupActions, ...adminUserActions, ...mfaActions, ...adminAuthEventActions,
};

/** zod issues in the words of AWS's validation errors. */
function validationMessage(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((i) => `Value at '${i.path.join('.') || 'body'}' failed to satisfy constraint: ${i.message}`);
  return `${error.issues.length} validation error${error.issues.length === 1 ? '' : 's'} detected: ${issues.join('; ')}`;
}

/**
 * The Cognito Identity Provider JSON API on POST /: x-amz-json-1.1 in, {__type, message} errors
 * out, SigV4 on admin operations, CORS for browser apps (Amplify calls it directly).
 */
export async function cognitoApiPlugin(app: FastifyInstance) {
  await app.register(cors, {
    origin: true,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'x-amz-target', 'x-amz-user-agent', 'x-amz-date', 'authorization', 'amz-sdk-invocation-id', 'amz-sdk-request', 'cache-control'],
    exposedHeaders: ['x-amzn-requestid', 'x-amzn-errortype', 'x-amzn-errormessage', 'date'],
    maxAge: 86400,
  });
  // Keep the raw body: SigV4 signs it byte for byte.
  app.addContentTypeParser(['application/x-amz-json-1.1', 'application/json'], { parseAs: 'string', bodyLimit: app.httpSettings.bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, request, reply) => sendApiError(request, reply, error));

  app.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
      throw new ApiProtocolError('UnknownOperationException', 'Missing or unknown X-Amz-Target.');
    }
    const name = target.slice(TARGET_PREFIX.length);
    const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!action) throw new ApiProtocolError('UnknownOperationException', `Unknown operation ${name.slice(0, 64)}.`);
    const raw = typeof request.body === 'string' ? request.body : '';
    if (action.admin) await verifySigV4(request, raw, app.httpSettings.adminKeys, Date.now());
    let json: unknown;
    try {
      json = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      throw new ApiProtocolError('SerializationException', 'The request body is not valid JSON.');
    }
    if (containsNul(json)) throw nulRefused();
    const parsed = action.input.safeParse(json);
    if (!parsed.success) throw new ApiProtocolError('InvalidParameterException', validationMessage(parsed.error));
    const output = await action.run(parsed.data, { services: app.services, request });
    return reply
      .header('x-amzn-requestid', request.id)
      .header('cache-control', 'no-store')
      .type('application/x-amz-json-1.1')
      .send(JSON.stringify(output));
  });
}
