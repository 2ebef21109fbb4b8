/**
 * Turns pool definitions (from the config file or the seed) into one all-or-nothing storage
 * plan. Everything is checked first; nothing is written when any issue is found.
 */
import type { ConfigPlan, StoredClient } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { ClientSettings, Group, PoolSettings, ResourceServer, User, UserPool } from '../model.js';
import { missingRequiredAttributes, validateUserAttributes } from '../users/attributes.js';
import { normaliseKey, signInAliases } from '../users/identity.js';
import { resolveIdentity } from '../users/sign-up.js';
import { AppError } from '../../errors/app-error.js';
import { newClientId, newClientSecret, newPoolId } from './ids.js';
import { chosenPasswordFailures } from './password-policy.js';
import { clientSettingsIssues, poolSettingsIssues, type ValidationIssue } from './rules.js';

type Path = (string | number)[];

export interface ClientDefinition {
  path: Path;
  id?: string;
  name: string;
  secret?: string;
  generateSecret: boolean;
  settings: ClientSettings;
}

export interface UserDefinition {
  path: Path;
  username: string;
  password?: string;
  temporaryPassword?: string;
  attributes: Record<string, string>;
  groups: string[];
  enabled: boolean;
}

export interface PoolDefinition {
  path: Path;
  id?: string;
  name: string;
  settings: PoolSettings;
  clients: ClientDefinition[];
  groups: Omit<Group, 'poolId' | 'createdAt' | 'updatedAt'>[];
  resourceServers: Omit<ResourceServer, 'poolId'>[];
  users: UserDefinition[];
}

export class ConfigError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'hasher' | 'box' | 'breachedPasswords'>;

/**
 * `passwords`, when given, receives the password of each user the plan creates (by user id), so the
 * caller can derive SRP verifiers once the plan is applied; plaintext never enters the plan itself.
 */
export async function buildConfigPlan(deps: Deps, definitions: PoolDefinition[], region: string, passwords?: Map<string, string>): Promise<ConfigPlan> {
  const issues: ValidationIssue[] = [];
  const at = (path: Path, issue: ValidationIssue) => issues.push({ path: [...path, ...issue.path], message: issue.message });
  const now = deps.clock.now();
  const existingPools = await deps.storage.pools.list();
  const plan: ConfigPlan = { pools: [], clients: [], groups: [], resourceServers: [], users: [], creates: { pools: [], clients: [] } };
  const clientIdsInFile = new Set<string>();

  for (const def of definitions) {
    // Without an Id the pool is matched by name, so that applying a file again changes nothing.
    const existing = def.id ? existingPools.find((p) => p.id === def.id) : existingPools.find((p) => p.name === def.name);
    const pool: UserPool = {
      id: existing?.id ?? def.id ?? newPoolId(deps.random, region), name: def.name, settings: def.settings,
      createdAt: existing?.createdAt ?? now, updatedAt: now,
    };
    poolSettingsIssues(def.settings).forEach((i) => at(def.path, i));
    plan.pools.push(pool);
    if (!existing) plan.creates.pools.push({ id: pool.id, byName: def.id ? undefined : def.name });

    const customScopes = def.resourceServers.flatMap((rs) => rs.scopes.map((s) => `${rs.identifier}/${s.name}`));
    plan.resourceServers.push(...def.resourceServers.map((rs) => ({ ...rs, poolId: pool.id })));
    plan.groups.push(...def.groups.map((g) => ({ ...g, poolId: pool.id, createdAt: now, updatedAt: now })));

    const existingClients = existing ? await deps.storage.clients.listByPool(existing.id) : [];
    for (const c of def.clients) {
      const current = c.id ? existingClients.find((x) => x.id === c.id) : existingClients.find((x) => x.name === c.name);
      const id = current?.id ?? c.id ?? newClientId(deps.random);
      if (clientIdsInFile.has(id)) at(c.path, { path: ['ClientId'], message: `client id ${id} is used twice` });
      clientIdsInFile.add(id);
      if (!current && c.id) {
        const elsewhere = await deps.storage.clients.get(c.id);
        if (elsewhere && elsewhere.poolId !== pool.id) at(c.path, { path: ['ClientId'], message: `client id ${c.id} belongs to another user pool` });
      }
      let secretSealed: string | undefined;
      if (c.secret) secretSealed = deps.box.seal(c.secret);
      else if (c.generateSecret) secretSealed = current?.secretSealed ?? deps.box.seal(newClientSecret(deps.random));
      clientSettingsIssues(c.settings, { hasSecret: secretSealed !== undefined, customScopes }).forEach((i) => at(c.path, i));
      const stored: StoredClient = {
        id, poolId: pool.id, name: c.name, secretSealed, settings: c.settings,
        createdAt: current?.createdAt ?? now, updatedAt: now,
      };
      plan.clients.push(stored);
      if (!current) plan.creates.clients.push({ id, poolId: pool.id, byName: c.id ? undefined : c.name });
    }

    const groupNames = new Set(def.groups.map((g) => g.name));
    for (const u of def.users) {
      const user = await planUser(deps, pool, u, groupNames, (i) => at(u.path, i));
      if (user) {
        plan.users.push(user);
        passwords?.set(user.user.id, (u.password ?? u.temporaryPassword)!);
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return plan;
}

async function planUser(
  deps: Deps,
  pool: UserPool,
  u: UserDefinition,
  groupNames: Set<string>,
  report: (issue: ValidationIssue) => void,
): Promise<ConfigPlan['users'][number] | undefined> {
  const { email_verified: emailVerified, phone_number_verified: phoneVerified, ...attributes } = u.attributes;
  let identity: { username: string; attributes: Record<string, string> };
  try {
    validateUserAttributes(pool.settings, attributes);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    report({ path: ['UserAttributes'], message: error.message });
    return undefined;
  }
  try {
    identity = resolveIdentity(pool, deps, { username: u.username, attributes });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    report({ path: ['Username'], message: error.message });
    return undefined;
  }
  // A user with a temporary password may supply missing required attributes at NEW_PASSWORD_REQUIRED.
  const missing = u.password ? missingRequiredAttributes(pool.settings, identity.attributes) : [];
  if (missing.length > 0) report({ path: ['UserAttributes'], message: `missing required attributes: ${missing.join(', ')}` });
  const password = u.password ?? u.temporaryPassword;
  if (!password) {
    report({ path: ['Password'], message: 'a Password or TemporaryPassword is required' });
    return undefined;
  }
  const failures = chosenPasswordFailures(deps, pool.settings, password);
  if (failures.length > 0) report({ path: [u.password ? 'Password' : 'TemporaryPassword'], message: failures.join('; ') });
  u.groups.forEach((g, i) => {
    if (!groupNames.has(g)) report({ path: ['Groups', i], message: `group ${g} is not defined in this user pool` });
  });
  if (missing.length > 0 || failures.length > 0) return undefined;

  const probe = { attributes: identity.attributes };
  const aliasesProbe = signInAliases(pool.settings, probe);
  const exists =
    (await deps.storage.users.findByUsernameKey(pool.id, normaliseKey(pool.settings, identity.username))) ??
    (aliasesProbe.length > 0 ? await deps.storage.users.findByAlias(pool.id, aliasesProbe[0]!.attribute, aliasesProbe[0]!.key) : undefined);
  if (exists) return undefined; // created only when absent: a changed password is never overwritten

  const now = deps.clock.now();
  const id = deps.random.uuid();
  const attrs: Record<string, string> = { sub: id, ...identity.attributes };
  // Users an administrator declares are trusted to own their address unless the file says otherwise.
  if (attrs.email) attrs.email_verified = emailVerified ?? 'true';
  if (attrs.phone_number) attrs.phone_number_verified = phoneVerified ?? 'true';
  const user: User = {
    id, poolId: pool.id, username: pool.settings.usernameAttributes.length > 0 ? id : identity.username,
    status: u.password ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD', enabled: u.enabled,
    passwordHash: await deps.hasher.hash(password), attributes: attrs, createdAt: now, updatedAt: now, passwordUpdatedAt: now,
  };
  return { user, usernameKey: normaliseKey(pool.settings, user.username), aliases: signInAliases(pool.settings, user), groups: u.groups };
}
