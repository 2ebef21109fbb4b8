import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/codes.js';

interface OAuthError {
  error: string;
  status: number;
}

/** Every domain error as the OAuth endpoints say it (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009). */
export const OAUTH_ERRORS = {
  InvalidParameter: { error: 'invalid_request', status: 400 },
  InvalidPassword: { error: 'invalid_request', status: 400 },
  UsernameExists: { error: 'invalid_request', status: 400 },
  AliasExists: { error: 'invalid_request', status: 400 },
  UserNotFound: { error: 'invalid_grant', status: 400 },
  NotAuthorized: { error: 'invalid_grant', status: 400 },
  UserNotConfirmed: { error: 'invalid_grant', status: 400 },
  PasswordResetRequired: { error: 'invalid_grant', status: 400 },
  CodeMismatch: { error: 'invalid_grant', status: 400 },
  ExpiredCode: { error: 'invalid_grant', status: 400 },
  LimitExceeded: { error: 'invalid_request', status: 429 },
  TooManyRequests: { error: 'invalid_request', status: 429 },
  ResourceNotFound: { error: 'invalid_request', status: 404 },
  CodeDeliveryFailure: { error: 'temporarily_unavailable', status: 503 },
  GroupExists: { error: 'invalid_request', status: 400 },
  ScopeDoesNotExist: { error: 'invalid_scope', status: 400 },
  InvalidOAuthFlow: { error: 'invalid_request', status: 400 },
  UnsupportedUserState: { error: 'invalid_request', status: 400 },
  EnableSoftwareTokenMfa: { error: 'invalid_request', status: 400 },
  SoftwareTokenMfaNotFound: { error: 'invalid_request', status: 400 },
  InvalidRequest: { error: 'invalid_request', status: 400 },
  InvalidClient: { error: 'invalid_client', status: 401 },
  InvalidGrant: { error: 'invalid_grant', status: 400 },
  UnauthorizedClient: { error: 'unauthorized_client', status: 400 },
  UnsupportedGrantType: { error: 'unsupported_grant_type', status: 400 },
  UnsupportedResponseType: { error: 'unsupported_response_type', status: 400 },
  InvalidScope: { error: 'invalid_scope', status: 400 },
  InvalidToken: { error: 'invalid_token', status: 401 },
  UnsupportedTokenType: { error: 'unsupported_token_type', status: 400 },
  LoginRequired: { error: 'login_required', status: 400 },
  RedirectMismatch: { error: 'invalid_request', status: 400 },
  Internal: { error: 'server_error', status: 500 },
} as const satisfies Record<ErrorCode, OAuthError>;

/** Fastify's own errors (bad JSON, body too large, wrong content type) are the client's fault. */
export function fromFastifyError(error: FastifyError): AppError | undefined {
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('InvalidRequest', error.statusCode === 413 ? 'The request body is too large.' : 'The request is malformed.', {
      detail: { status: error.statusCode },
    });
  }
  return undefined;
}

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const clientError = fromFastifyError(error as FastifyError);
  return clientError ?? new AppError('Internal', 'An internal error occurred.', { expose: false, cause: error });
}

export function sendOAuthError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const appError = toAppError(error);
  if (appError.code === 'Internal') request.log.error({ err: appError.cause ?? appError }, 'internal error');
  const mapped = OAUTH_ERRORS[appError.code];
  const status = (appError.detail as { status?: number } | undefined)?.status ?? mapped.status;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (mapped.error === 'invalid_client' && request.headers.authorization?.startsWith('Basic ')) {
    reply.header('www-authenticate', 'Basic realm="openpool"');
  }
  if (appError.code === 'InvalidToken') {
    reply.header('www-authenticate', `Bearer error="invalid_token", error_description="${appError.message.replace(/"/g, "'")}"`);
  }
  return reply.code(status).send({
    error: mapped.error,
    ...(appError.expose ? { error_description: appError.message } : {}),
  });
}
