/** Cognito's rules for pool and client settings, reported as issues with the field's Cognito name. */
import type { ClientSettings, PoolSettings } from '../model.js';
import { isCustomScope, RESERVED_SCOPES } from '../oauth/scopes.js';

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** HTTPS, except loopback over http for testing; custom schemes allowed; no fragment. */
export function redirectUriProblem(value: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.hash || value.includes('#')) return 'must not contain a fragment';
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) return 'must use https (http is allowed only for localhost)';
  if (parsed.protocol === 'javascript:' || parsed.protocol === 'data:') return 'uses a forbidden scheme';
  return undefined;
}

export function poolSettingsIssues(settings: PoolSettings): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (settings.usernameAttributes.length > 0 && settings.aliasAttributes.length > 0) {
    issues.push({ path: ['AliasAttributes'], message: 'UsernameAttributes and AliasAttributes cannot both be set' });
  }
  if (settings.mfaConfiguration !== 'OFF' && settings.enabledMfas?.length === 0) {
    issues.push({ path: ['EnabledMfas'], message: 'MfaConfiguration ON or OPTIONAL needs at least one of SOFTWARE_TOKEN_MFA and SMS_MFA' });
  }
  const names = new Set<string>();
  settings.schema.forEach((a, i) => {
    if (names.has(a.name)) issues.push({ path: ['Schema', i, 'Name'], message: `duplicate attribute ${a.name}` });
    names.add(a.name);
  });
  return issues;
}

export function clientSettingsIssues(settings: ClientSettings, ctx: { hasSecret: boolean; customScopes: string[] }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const flows = settings.allowedOAuthFlows;
  if (flows.length > 0 && !settings.allowedOAuthFlowsUserPoolClient) {
    add(['AllowedOAuthFlowsUserPoolClient'], 'must be true to use AllowedOAuthFlows');
  }
  if (flows.includes('client_credentials')) {
    if (flows.length > 1) add(['AllowedOAuthFlows'], 'client_credentials cannot be combined with code or implicit');
    if (!ctx.hasSecret) add(['GenerateSecret'], 'client_credentials requires a client secret');
    if (!settings.allowedOAuthScopes.some(isCustomScope)) add(['AllowedOAuthScopes'], 'client_credentials requires at least one resource-server scope');
    if (settings.allowedOAuthScopes.some((s) => !isCustomScope(s))) add(['AllowedOAuthScopes'], 'client_credentials clients may only have resource-server scopes');
  }
  if ((flows.includes('code') || flows.includes('implicit')) && settings.callbackUrls.length === 0) {
    add(['CallbackURLs'], 'the code and implicit flows need at least one callback URL');
  }
  settings.callbackUrls.forEach((u, i) => {
    const problem = redirectUriProblem(u);
    if (problem) add(['CallbackURLs', i], `${u} ${problem}`);
  });
  settings.logoutUrls.forEach((u, i) => {
    const problem = redirectUriProblem(u);
    if (problem) add(['LogoutURLs', i], `${u} ${problem}`);
  });
  if (settings.defaultRedirectUri && !settings.callbackUrls.includes(settings.defaultRedirectUri)) {
    add(['DefaultRedirectURI'], 'must be one of the CallbackURLs');
  }
  settings.allowedOAuthScopes.forEach((s, i) => {
    const known = (RESERVED_SCOPES as readonly string[]).includes(s) || ctx.customScopes.includes(s);
    if (!known) add(['AllowedOAuthScopes', i], `scope ${s} does not exist (define it on a resource server)`);
  });
  const v = settings.validity;
  if (v.accessToken < 300 || v.accessToken > 86400) add(['AccessTokenValidity'], 'must be between 5 minutes and 1 day');
  if (v.idToken < 300 || v.idToken > 86400) add(['IdTokenValidity'], 'must be between 5 minutes and 1 day');
  if (v.refreshToken < 3600 || v.refreshToken > 315_360_000) add(['RefreshTokenValidity'], 'must be between 60 minutes and 10 years');
  return issues;
}
