/**
 * What the administrative API does to pools, app clients and resource servers. Settings arrive
 * already mapped from Cognito's shapes (src/cognito/to-domain.ts) and are checked by the same
 * rules as the config file (rules.ts), so a pool made either way is the same pool.
 */
import { applyPoolMfaInput, type PoolMfaInput } from '../mfa/preferences.js';
import { AppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import { AlreadyExistsError, NotFoundError, type StoredClient } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { Client, ClientSettings, PoolSettings, ResourceServer, ResourceServerScope, UserPool } from '../model.js';
import { newClientId, newClientSecret, newPoolId } from './ids.js';
import { openClient, requirePool } from './lookup.js';
import { clientSettingsIssues, poolSettingsIssues, type ValidationIssue } from './rules.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer'>;

/** Which Cognito exception an issue found by rules.ts is. */
function issueCode(issue: ValidationIssue): ErrorCode {
  const field = issue.path[0];
  if (field === 'AllowedOAuthScopes' && issue.message.includes('does not exist')) return 'ScopeDoesNotExist';
  if (field === 'AllowedOAuthFlows' || field === 'AllowedOAuthFlowsUserPoolClient' || field === 'GenerateSecret') return 'InvalidOAuthFlow';
  if (field === 'AllowedOAuthScopes' && issue.message.startsWith('client_credentials')) return 'InvalidOAuthFlow';
  return 'InvalidParameter';
}

/** Throws the first issue as its Cognito exception (all of them in the detail). */
export function throwIssues(issues: ValidationIssue[]): void {
  const first = issues[0];
  if (!first) return;
  const where = first.path.map(String).join('.');
  throw new AppError(issueCode(first), where ? `${where}: ${first.message}` : first.message, { detail: { issues } });
}

export async function createUserPool(deps: Deps, input: { name: string; settings: PoolSettings; region: string }): Promise<UserPool> {
  throwIssues(poolSettingsIssues(input.settings));
  const now = deps.clock.now();
  let id = newPoolId(deps.random, input.region);
  while (await deps.storage.pools.get(id)) id = newPoolId(deps.random, input.region);
  const pool: UserPool = { id, name: input.name, settings: input.settings, createdAt: now, updatedAt: now };
  await deps.storage.pools.put(pool);
  await deps.signer.ensureKeys(pool.id);
  return pool;
}

/**
 * UpdateUserPool replaces the mutable settings (omitted ones fall back to their defaults, as in
 * Cognito); sign-in names, case sensitivity and the schema are fixed at creation.
 */
export async function updateUserPool(deps: Deps, poolId: string, input: { name?: string; settings: PoolSettings }): Promise<UserPool> {
  const pool = await requirePool(deps, poolId);
  const settings: PoolSettings = {
    ...input.settings,
    usernameAttributes: pool.settings.usernameAttributes,
    aliasAttributes: pool.settings.aliasAttributes,
    caseSensitive: pool.settings.caseSensitive,
    schema: pool.settings.schema,
    // Factors are SetUserPoolMfaConfig's business: UpdateUserPool keeps them unless it names them.
    enabledMfas: input.settings.enabledMfas ?? pool.settings.enabledMfas,
    smsAuthenticationMessage: input.settings.smsAuthenticationMessage ?? pool.settings.smsAuthenticationMessage,
  };
  throwIssues(poolSettingsIssues(settings));
  const updated: UserPool = { ...pool, name: input.name ?? pool.name, settings, updatedAt: deps.clock.now() };
  await deps.storage.pools.put(updated);
  return updated;
}

export async function deleteUserPool(deps: Deps, poolId: string): Promise<void> {
  const pool = await requirePool(deps, poolId);
  if (pool.settings.deletionProtection === 'ACTIVE') {
    throw new AppError('InvalidParameter', 'The user pool cannot be deleted because deletion protection is activated.');
  }
  await deps.storage.pools.delete(pool.id);
}

async function customScopesOf(deps: Deps, poolId: string): Promise<string[]> {
  const servers = await deps.storage.resourceServers.listByPool(poolId);
  return servers.flatMap((rs) => rs.scopes.map((s) => `${rs.identifier}/${s.name}`));
}

async function requireClient(deps: Deps, poolId: string, clientId: string): Promise<StoredClient> {
  const stored = await deps.storage.clients.get(clientId);
  if (!stored || stored.poolId !== poolId) throw new AppError('ResourceNotFound', `User pool client ${clientId} does not exist.`);
  return stored;
}

export async function createUserPoolClient(
  deps: Deps,
  poolId: string,
  input: { name: string; settings: ClientSettings; generateSecret: boolean; secret?: string },
): Promise<Client> {
  const pool = await requirePool(deps, poolId);
  const secret = input.secret ?? (input.generateSecret ? newClientSecret(deps.random) : undefined);
  throwIssues(clientSettingsIssues(input.settings, { hasSecret: secret !== undefined, customScopes: await customScopesOf(deps, pool.id) }));
  const now = deps.clock.now();
  for (;;) {
    const id = newClientId(deps.random);
    if (await deps.storage.clients.get(id)) continue;
    const stored: StoredClient = {
      id, poolId: pool.id, name: input.name, secretSealed: secret === undefined ? undefined : deps.box.seal(secret),
      settings: input.settings, createdAt: now, updatedAt: now,
    };
    try {
      await deps.storage.clients.put(stored);
    } catch (error) {
      if (error instanceof AlreadyExistsError) continue; // taken meanwhile by another pool
      if (error instanceof NotFoundError) throw new AppError('ResourceNotFound', `User pool ${poolId} does not exist.`);
      throw error;
    }
    return openClient(deps.box, stored);
  }
}

/** UpdateUserPoolClient replaces the settings (omitted ones fall back to defaults, as in Cognito); the secret stays. */
export async function updateUserPoolClient(
  deps: Deps,
  poolId: string,
  clientId: string,
  input: { name?: string; settings: ClientSettings },
): Promise<Client> {
  await requirePool(deps, poolId);
  const stored = await requireClient(deps, poolId, clientId);
  throwIssues(clientSettingsIssues(input.settings, { hasSecret: stored.secretSealed !== undefined, customScopes: await customScopesOf(deps, poolId) }));
  const updated: StoredClient = { ...stored, name: input.name ?? stored.name, settings: input.settings, updatedAt: deps.clock.now() };
  await deps.storage.clients.put(updated);
  return openClient(deps.box, updated);
}

export async function deleteUserPoolClient(deps: Deps, poolId: string, clientId: string): Promise<void> {
  await requirePool(deps, poolId);
  await requireClient(deps, poolId, clientId);
  await deps.storage.clients.delete(clientId);
}

function checkScopes(scopes: ResourceServerScope[]): void {
  const names = new Set<string>();
  for (const s of scopes) {
    if (names.has(s.name)) throw new AppError('InvalidParameter', `Duplicate scope name ${s.name}.`);
    names.add(s.name);
  }
}

export async function requireResourceServer(deps: Pick<Deps, 'storage'>, poolId: string, identifier: string): Promise<ResourceServer> {
  await requirePool(deps, poolId);
  const server = await deps.storage.resourceServers.get(poolId, identifier);
  if (!server) throw new AppError('ResourceNotFound', `Resource server ${identifier} does not exist.`);
  return server;
}

export async function createResourceServer(deps: Deps, server: ResourceServer): Promise<ResourceServer> {
  await requirePool(deps, server.poolId);
  checkScopes(server.scopes);
  try {
    await deps.storage.resourceServers.create(server);
  } catch (error) {
    if (error instanceof AlreadyExistsError) throw new AppError('InvalidParameter', `${server.identifier} already exists in pool ${server.poolId}.`);
    throw error;
  }
  return server;
}

export async function updateResourceServer(deps: Deps, server: ResourceServer): Promise<ResourceServer> {
  await requireResourceServer(deps, server.poolId, server.identifier);
  checkScopes(server.scopes);
  try {
    await deps.storage.resourceServers.update(server);
  } catch (error) {
    if (error instanceof NotFoundError) throw new AppError('ResourceNotFound', `Resource server ${server.identifier} does not exist.`);
    throw error;
  }
  return server;
}

export async function deleteResourceServer(deps: Deps, poolId: string, identifier: string): Promise<void> {
  await requireResourceServer(deps, poolId, identifier);
  await deps.storage.resourceServers.delete(poolId, identifier);
}

export async function listResourceServers(deps: Pick<Deps, 'storage'>, poolId: string): Promise<ResourceServer[]> {
  await requirePool(deps, poolId);
  return deps.storage.resourceServers.listByPool(poolId);
}

/** SetUserPoolMfaConfig: the pool's MFA mode and factors, under the same rules as every pool write. */
export async function setUserPoolMfaConfig(deps: Deps, poolId: string, input: PoolMfaInput): Promise<UserPool> {
  const pool = await requirePool(deps, poolId);
  const settings = applyPoolMfaInput(pool, input);
  throwIssues(poolSettingsIssues(settings));
  const updated: UserPool = { ...pool, settings, updatedAt: deps.clock.now() };
  await deps.storage.pools.put(updated);
  return updated;
}
