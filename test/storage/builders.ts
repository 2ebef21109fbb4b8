/** Small record builders shared by the storage conformance suites. */
import { randomUUID } from 'node:crypto';
import { toClientSettings, toPoolSettings } from '../../src/cognito/to-domain.js';
import type { AuthorizationCode, BrowserSession, Group, RefreshToken, ResourceServer, SigningKey, TokenFamily, User, UserPool } from '../../src/core/model.js';
import type { ConfigPlan, Storage, StoredClient, UserAlias } from '../../src/storage/storage.js';

export const T0 = 1_700_000_000_000;

/** Drops undefined-valued keys, so that records compare by content whatever a backend does with NULLs. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export const poolRecord = (id: string, name = `pool ${id}`): UserPool => ({
  id, name, settings: toPoolSettings({ PoolName: name, UsernameAttributes: ['email'] }), createdAt: T0, updatedAt: T0,
});

export const clientRecord = (id: string, poolId: string, name = `client-${id}`, secretSealed?: string): StoredClient => ({
  id, poolId, name, secretSealed, createdAt: T0, updatedAt: T0,
  settings: toClientSettings({ ClientName: name, CallbackURLs: ['https://app.example.com/cb'], AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'] }),
});

export const groupRecord = (poolId: string, name: string, precedence?: number, roleArn?: string): Group => ({
  poolId, name, precedence, roleArn, description: `the ${name}`, createdAt: T0, updatedAt: T0,
});

export const resourceServerRecord = (poolId: string, identifier: string, scopes = ['read']): ResourceServer => ({
  poolId, identifier, name: `API ${identifier}`, scopes: scopes.map((name) => ({ name, description: `${name} access` })),
});

export function userRecord(poolId: string, username: string, attributes: Record<string, string> = {}): User {
  const id = randomUUID();
  return {
    id, poolId, username, status: 'CONFIRMED', enabled: true, passwordHash: `hash-of-${username}`,
    attributes: { sub: id, ...attributes }, createdAt: T0, updatedAt: T0, passwordUpdatedAt: T0,
  };
}

export const emailAlias = (email: string): UserAlias => ({ attribute: 'email', key: email.toLowerCase() });

export const emptyPlan = (): ConfigPlan => ({ pools: [], clients: [], groups: [], resourceServers: [], users: [], creates: { pools: [], clients: [] } });

export async function seedPool(storage: Storage, id = `us-east-1_${randomUUID().slice(0, 8).replace(/-/g, '')}`): Promise<UserPool> {
  const pool = poolRecord(id);
  await storage.applyConfig({ ...emptyPlan(), pools: [pool] });
  return pool;
}

/** A pool with one user in it, for records that belong to a user. */
export async function seedUser(storage: Storage, username = 'alice'): Promise<{ pool: UserPool; user: User }> {
  const pool = await seedPool(storage);
  const user = userRecord(pool.id, username, { email: `${username}@example.com` });
  await storage.users.create(user, username, [emailAlias(`${username}@example.com`)]);
  return { pool, user };
}

export const authorizationCodeRecord = (codeHash: string, poolId: string, userId: string): AuthorizationCode => ({
  codeHash, poolId, clientId: 'client-1', userId, redirectUri: 'https://app.example.com/cb', scopes: ['openid', 'email'],
  nonce: 'n-1', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', authTime: T0, amr: ['pwd'], createdAt: T0,
  expiresAt: T0 + 300_000,
});

export const sessionRecord = (idHash: string, poolId: string, userId: string): BrowserSession => ({
  idHash, poolId, userId, authTime: T0, amr: ['pwd'], createdAt: T0, expiresAt: T0 + 3_600_000,
});

export const familyRecord = (originJti: string, poolId: string, userId: string): TokenFamily => ({
  originJti, poolId, clientId: 'client-1', userId, createdAt: T0,
});

export const refreshRecord = (tokenHash: string, family: TokenFamily): RefreshToken => ({
  tokenHash, originJti: family.originJti, poolId: family.poolId, clientId: family.clientId, userId: family.userId,
  scopes: ['openid', 'profile'], authTime: T0, amr: ['pwd'], withIdToken: true, createdAt: T0, expiresAt: T0 + 86_400_000,
});

export const signingKeyRecord = (kid: string, poolId: string, purpose: SigningKey['purpose']): SigningKey => ({
  kid, poolId, purpose, algorithm: 'RS256', privateJwkSealed: `sealed-${kid}`, publicJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB' },
  createdAt: T0, status: 'active',
});
