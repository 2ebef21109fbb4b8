import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/codes.js';

/** Errors of the wire protocol itself (not of the domain): unknown operation, signatures, JSON. */
export class ApiProtocolError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
    this.name = 'ApiProtocolError';
  }
}

/** Every domain error under Cognito's exception name, so SDK callers can branch on err.name. */
export const COGNITO_ERRORS = {
  InvalidParameter: 'InvalidParameterException',
  InvalidPassword: 'InvalidPasswordException',
  UsernameExists: 'UsernameExistsException',
  AliasExists: 'AliasExistsException',
  UserNotFound: 'UserNotFoundException',
  NotAuthorized: 'NotAuthorizedException',
  UserNotConfirmed: 'UserNotConfirmedException',
  PasswordResetRequired: 'PasswordResetRequiredException',
  CodeMismatch: 'CodeMismatchException',
  ExpiredCode: 'ExpiredCodeException',
  LimitExceeded: 'LimitExceededException',
  TooManyRequests: 'TooManyRequestsException',
  ResourceNotFound: 'ResourceNotFoundException',
  CodeDeliveryFailure: 'CodeDeliveryFailureException',
  GroupExists: 'GroupExistsException',
  ScopeDoesNotExist: 'ScopeDoesNotExistException',
  InvalidOAuthFlow: 'InvalidOAuthFlowException',
  UnsupportedUserState: 'UnsupportedUserStateException',
  EnableSoftwareTokenMfa: 'EnableSoftwareTokenMFAException',
  SoftwareTokenMfaNotFound: 'SoftwareTokenMFANotFoundException',
  InvalidRequest: 'InvalidParameterException',
  InvalidClient: 'NotAuthorizedException',
  InvalidGrant: 'NotAuthorizedException',
  UnauthorizedClient: 'NotAuthorizedException',
  UnsupportedGrantType: 'InvalidParameterException',
  UnsupportedResponseType: 'InvalidParameterException',
  InvalidScope: 'ScopeDoesNotExistException',
  InvalidToken: 'NotAuthorizedException',
  UnsupportedTokenType: 'UnsupportedTokenTypeException',
  LoginRequired: 'NotAuthorizedException',
  RedirectMismatch: 'InvalidParameterException',
  Internal: 'InternalErrorException',
} as const satisfies Record<ErrorCode, string>;

export function sendApiError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  let type: string;
  let message: string;
  let status = 400;
  if (error instanceof ApiProtocolError) {
    ({ type, message, status } = error);
  } else if (isAppError(error)) {
    type = COGNITO_ERRORS[error.code];
    message = error.expose ? error.message : 'An internal error occurred.';
    if (error.code === 'Internal') {
      status = 500;
      request.log.error({ err: error.cause ?? error }, 'internal error');
    }
  } else {
    const fe = error as FastifyError;
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      type = fe.statusCode === 413 ? 'InvalidParameterException' : 'SerializationException';
      message = fe.statusCode === 413 ? 'The request body is too large.' : 'The request body could not be read.';
    } else {
      request.log.error({ err: error }, 'internal error');
      type = 'InternalErrorException';
      message = 'An internal error occurred.';
      status = 500;
    }
  }
  return reply
    .code(status)
    .header('x-amzn-errortype', type)
    .header('x-amzn-requestid', request.id)
    .type('application/x-amz-json-1.1')
    .send(JSON.stringify({ __type: type, message }));
}
