/**
 * Every failure the domain can report. Each surface maps all of them
 * (`satisfies Record<ErrorCode, …>`), so adding one here fails the typecheck
 * until every surface has decided how to render it.
 */
export const ERROR_CODES = [
  // Cognito-shaped user errors
  'InvalidParameter',
  'InvalidPassword',
  'UsernameExists',
  'AliasExists',
  'UserNotFound',
  'NotAuthorized',
  'UserNotConfirmed',
  'PasswordResetRequired',
  'CodeMismatch',
  'ExpiredCode',
  'LimitExceeded',
  'TooManyRequests',
  'ResourceNotFound',
  'CodeDeliveryFailure',
  'GroupExists',
  'ScopeDoesNotExist',
  'InvalidOAuthFlow',
  'UnsupportedUserState',
  'EnableSoftwareTokenMfa',
  'SoftwareTokenMfaNotFound',
  // OAuth 2.0 / OIDC
  'InvalidRequest',
  'InvalidClient',
  'InvalidGrant',
  'UnauthorizedClient',
  'UnsupportedGrantType',
  'UnsupportedResponseType',
  'InvalidScope',
  'InvalidToken',
  'UnsupportedTokenType',
  'LoginRequired',
  'RedirectMismatch',
  // anything unexpected
  'Internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
