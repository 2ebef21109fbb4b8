import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { viewsDir } from '../../config/paths.js';
import type { AppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/codes.js';

/** Templates escape by default (`<%= %>`); they get view-models and hold no logic of their own. */
const eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: false });

export interface PageModel {
  title: string;
  poolName?: string;
  clientName?: string;
  error?: string;
  errorList?: string[];
  notice?: string;
  [key: string]: unknown;
}

export function renderPage(reply: FastifyReply, status: number, page: string, model: PageModel) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(eta.render(`pages/${page}`, model));
}

/** What a person sees for each domain error on a hosted page, and the status it comes with. */
export const HOSTED_UI_ERRORS = {
  InvalidParameter: { status: 400, message: null },
  InvalidPassword: { status: 400, message: 'Your password does not meet the requirements.' },
  UsernameExists: { status: 400, message: null },
  AliasExists: { status: 400, message: null },
  UserNotFound: { status: 400, message: 'Incorrect username or password.' },
  NotAuthorized: { status: 400, message: 'Incorrect username or password.' },
  UserNotConfirmed: { status: 400, message: 'Your account is not confirmed yet.' },
  PasswordResetRequired: { status: 400, message: 'You must reset your password before signing in. Use "Forgot your password?".' },
  CodeMismatch: { status: 400, message: 'Invalid verification code provided, please try again.' },
  ExpiredCode: { status: 400, message: 'That code is no longer valid. Request a new code.' },
  LimitExceeded: { status: 429, message: 'Attempt limit exceeded, please try after some time.' },
  TooManyRequests: { status: 429, message: 'Too many requests, please try after some time.' },
  ResourceNotFound: { status: 404, message: 'This user pool does not exist.' },
  CodeDeliveryFailure: { status: 503, message: 'We could not send your code. Please try again later.' },
  GroupExists: { status: 400, message: null },
  ScopeDoesNotExist: { status: 400, message: null },
  InvalidOAuthFlow: { status: 400, message: null },
  UnsupportedUserState: { status: 400, message: null },
  EnableSoftwareTokenMfa: { status: 400, message: 'That code does not match. Check the time on your device and enter the current code.' },
  SoftwareTokenMfaNotFound: { status: 400, message: 'Set up an authenticator app first.' },
  InvalidRequest: { status: 400, message: null },
  InvalidClient: { status: 400, message: 'This application is not known to the sign-in service. Start again from the application.' },
  InvalidGrant: { status: 400, message: null },
  UnauthorizedClient: { status: 400, message: null },
  UnsupportedGrantType: { status: 400, message: null },
  UnsupportedResponseType: { status: 400, message: null },
  InvalidScope: { status: 400, message: null },
  InvalidToken: { status: 401, message: null },
  UnsupportedTokenType: { status: 400, message: null },
  LoginRequired: { status: 400, message: 'Please sign in.' },
  RedirectMismatch: { status: 400, message: 'The address this application asked to return to is not registered for it (redirect_mismatch).' },
  Internal: { status: 500, message: 'Something went wrong on our side. Please try again.' },
} as const satisfies Record<ErrorCode, { status: number; message: string | null }>;

/** The message for a form: the fixed text for the code, or the error's own exposed message. */
export function formError(error: AppError): { status: number; message: string } {
  const entry = HOSTED_UI_ERRORS[error.code];
  return { status: entry.status, message: entry.message ?? (error.expose ? error.message : 'The request could not be completed.') };
}

export function renderErrorPage(reply: FastifyReply, error: AppError) {
  if (error.code === 'Internal') reply.log.error({ err: error.cause ?? error }, 'hosted page failed');
  const { status, message } = formError(error);
  return renderPage(reply, status, 'message', { title: 'Something is not right', error: message, message: 'Return to the application and try again.' });
}
