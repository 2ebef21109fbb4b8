import type { Client, Group, User } from '../model.js';
import { readableAttributes } from '../users/attributes.js';

const NARROWING_SCOPES = ['email', 'phone', 'profile'];
const BOOLEAN_ATTRIBUTES = new Set(['email_verified', 'phone_number_verified']);

/**
 * The attributes a token or userInfo may carry, as Cognito decides: with `openid` alone (or
 * no OIDC scope, as from InitiateAuth) every attribute the client can read; with email,
 * phone or profile, only what those scopes cover.
 */
export function claimAttributeNames(client: Client, user: User, scopes: readonly string[]): string[] {
  const readable = readableAttributes(client, user);
  if (!scopes.some((s) => NARROWING_SCOPES.includes(s)) || scopes.includes('profile')) return readable;
  const allowed = new Set<string>();
  if (scopes.includes('email')) ['email', 'email_verified'].forEach((a) => allowed.add(a));
  if (scopes.includes('phone')) ['phone_number', 'phone_number_verified'].forEach((a) => allowed.add(a));
  return readable.filter((a) => allowed.has(a));
}

/** Groups in the order tokens list them: lowest precedence first, then by name. */
export function orderGroups(groups: Group[]): Group[] {
  return [...groups].sort((a, b) => (a.precedence ?? Infinity) - (b.precedence ?? Infinity) || a.name.localeCompare(b.name));
}

function groupClaims(groups: Group[], forIdToken: boolean): Record<string, unknown> {
  if (groups.length === 0) return {};
  const ordered = orderGroups(groups);
  const claims: Record<string, unknown> = { 'cognito:groups': ordered.map((g) => g.name) };
  if (forIdToken) {
    const roles = [...new Set(ordered.map((g) => g.roleArn).filter((r): r is string => !!r))];
    if (roles.length > 0) {
      claims['cognito:roles'] = roles;
      const top = ordered.find((g) => g.roleArn);
      const tied = ordered.filter((g) => g.roleArn && g.precedence === top?.precedence && g.roleArn !== top?.roleArn);
      if (top && tied.length === 0) claims['cognito:preferred_role'] = top.roleArn;
    }
  }
  return claims;
}

/** Attribute values as the ID token types them: verified flags boolean, updated_at a number. */
function idTokenValue(name: string, value: string): unknown {
  if (BOOLEAN_ATTRIBUTES.has(name)) return value === 'true';
  if (name === 'updated_at' && /^\d+$/.test(value)) return Number(value);
  return value;
}

export interface TokenContext {
  issuer: string;
  client: Client;
  user: User;
  groups: Group[];
  scopes: string[];
  /** Epoch seconds. */
  authTime: number;
  amr: string[];
  issuedAt: number;
  originJti: string;
  eventId: string;
}

export function accessTokenClaims(ctx: TokenContext, jti: string, expiresAt: number): Record<string, unknown> {
  return {
    sub: ctx.user.id,
    ...groupClaims(ctx.groups, false),
    iss: ctx.issuer,
    version: 2,
    client_id: ctx.client.id,
    origin_jti: ctx.originJti,
    event_id: ctx.eventId,
    token_use: 'access',
    scope: ctx.scopes.join(' '),
    auth_time: ctx.authTime,
    exp: expiresAt,
    iat: ctx.issuedAt,
    jti,
    username: ctx.user.username,
  };
}

export function idTokenClaims(
  ctx: TokenContext,
  jti: string,
  expiresAt: number,
  extra: { nonce?: string; atHash?: string },
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const name of claimAttributeNames(ctx.client, ctx.user, ctx.scopes)) {
    attributes[name] = idTokenValue(name, ctx.user.attributes[name] ?? '');
  }
  return {
    ...(extra.atHash ? { at_hash: extra.atHash } : {}),
    sub: ctx.user.id,
    ...groupClaims(ctx.groups, true),
    ...attributes,
    iss: ctx.issuer,
    'cognito:username': ctx.user.username,
    ...(extra.nonce ? { nonce: extra.nonce } : {}),
    origin_jti: ctx.originJti,
    aud: ctx.client.id,
    event_id: ctx.eventId,
    token_use: 'id',
    auth_time: ctx.authTime,
    // Not in Cognito's user-pool tokens: OpenPool states the factors used, so apps can require MFA.
    ...(ctx.amr.length ? { amr: ctx.amr } : {}),
    exp: expiresAt,
    iat: ctx.issuedAt,
    jti,
  };
}

/** userInfo: Cognito returns the verified flags as the strings "true"/"false". */
export function userInfoClaims(client: Client, user: User, scopes: string[]): Record<string, string> {
  const claims: Record<string, string> = { sub: user.id };
  for (const name of claimAttributeNames(client, user, scopes)) claims[name] = user.attributes[name] ?? '';
  claims.username = user.username;
  return claims;
}
