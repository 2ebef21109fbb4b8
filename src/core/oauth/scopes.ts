import { AppError } from '../../errors/app-error.js';
import type { Client } from '../model.js';

export const OIDC_SCOPES = ['openid', 'email', 'phone', 'profile'] as const;
export const RESERVED_SCOPES = [...OIDC_SCOPES, 'aws.cognito.signin.user.admin'] as const;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;

export const isCustomScope = (scope: string) => scope.includes('/');

export function parseScopeString(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const scopes = [...new Set(value.trim().split(/\s+/))];
  if (scopes.some((s) => !SCOPE_TOKEN.test(s))) throw new AppError('InvalidScope', 'The scope parameter is malformed.');
  return scopes;
}

/** Scopes for a user flow: omitted means every scope the client is allowed, as in Cognito. */
export function resolveUserScopes(client: Client, requested: string[] | undefined): string[] {
  const allowed = client.settings.allowedOAuthScopes;
  const scopes = requested ?? allowed;
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) throw new AppError('InvalidScope', `Scope not allowed for this client: ${refused.join(' ')}`);
  if (!scopes.includes('openid') && scopes.some((s) => s === 'email' || s === 'phone' || s === 'profile')) {
    throw new AppError('InvalidScope', 'The email, phone and profile scopes require the openid scope.');
  }
  return scopes;
}

/** Scopes for client_credentials: only resource-server scopes the client is allowed. */
export function resolveClientCredentialsScopes(client: Client, requested: string[] | undefined): string[] {
  const allowedCustom = client.settings.allowedOAuthScopes.filter(isCustomScope);
  const scopes = requested ?? allowedCustom;
  const refused = scopes.filter((s) => !allowedCustom.includes(s));
  if (refused.length > 0) throw new AppError('InvalidScope', `Scope not allowed for client_credentials: ${refused.join(' ')}`);
  if (scopes.length === 0) throw new AppError('InvalidScope', 'The client has no resource-server scopes for client_credentials.');
  return scopes;
}
