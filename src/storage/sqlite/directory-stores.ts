/** Pools, clients, groups, resource servers and users on better-sqlite3. */
import type Database from 'better-sqlite3';
import type { Group, ResourceServer, User, UserPool } from '../../core/model.js';
import {
  AlreadyExistsError,
  NotFoundError,
  StalePlanError,
  type ClientStore,
  type ConfigPlan,
  type GroupStore,
  type PoolStore,
  type ResourceServerStore,
  type StoredClient,
  type UserAlias,
  type UserStore,
} from '../storage.js';
import { isUniqueViolation, toJson } from './json.js';
import { clientFromRow, groupFromRow, poolFromRow, resourceServerFromRow, USER_COLUMNS, USER_COLUMNS_OF_U, userFromRow, type ClientRow, type GroupRow, type PoolRow, type ResourceServerRow, type UserRow } from '../rows.js';
import { FILTER_COLUMNS, FILTER_INDEXES, filterColumnValues, pageOfUsers, pageQuery, planUserFilter, type FilterPlan, type PageQuery } from '../user-list.js';

const filterColumns = Object.values(FILTER_COLUMNS);

/**
 * A page of users, narrowed by `plan` when there is one. The plan's index is named: without
 * statistics (nothing runs ANALYZE) SQLite would rather walk users_username in list order for a
 * prefix, which reads the whole pool when few users match; through the filter's index a page
 * costs what its matches do.
 */
export const userPageQuery = (plan: FilterPlan | undefined): PageQuery => pageQuery(plan, {
  placeholder: () => '?',
  column: (column) => column,
  indexHint: (column) => ` INDEXED BY ${FILTER_INDEXES[column]}`,
});

export function createDirectoryStores(db: Database.Database) {
  const q = {
    poolGet: db.prepare<[string], PoolRow>('SELECT * FROM user_pools WHERE id = ?'),
    poolExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM user_pools WHERE id = ?'),
    poolList: db.prepare<[], PoolRow>('SELECT * FROM user_pools ORDER BY created_at, id'),
    poolUpsert: db.prepare(`INSERT INTO user_pools (id, name, settings, created_at, updated_at)
      VALUES (@id, @name, @settings, @created_at, @updated_at)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at`),
    clientGet: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE id = ?'),
    poolTaken: db.prepare<[string, string | null], { one: number }>('SELECT 1 AS one FROM user_pools WHERE id = ? OR name = ?'),
    clientTaken: db.prepare<[string, string, string | null], { one: number }>('SELECT 1 AS one FROM clients WHERE id = ? OR (pool_id = ? AND name = ?)'),
    clientsByPool: db.prepare<[string], ClientRow>('SELECT * FROM clients WHERE pool_id = ? ORDER BY created_at, id'),
    clientUpsert: db.prepare(`INSERT INTO clients (id, pool_id, name, secret_sealed, settings, created_at, updated_at)
      VALUES (@id, @pool_id, @name, @secret_sealed, @settings, @created_at, @updated_at)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, secret_sealed = excluded.secret_sealed,
        settings = excluded.settings, updated_at = excluded.updated_at
      WHERE clients.pool_id = excluded.pool_id`),
    groupsForUser: db.prepare<[string, string], GroupRow>(`SELECT g.* FROM groups g
      JOIN user_groups ug ON ug.pool_id = g.pool_id AND ug.group_name = g.name
      WHERE ug.pool_id = ? AND ug.user_id = ?`),
    groupsByPool: db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE pool_id = ? ORDER BY name'),
    groupUpsert: db.prepare(`INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at)
      VALUES (@pool_id, @name, @description, @precedence, @role_arn, @created_at, @updated_at)
      ON CONFLICT(pool_id, name) DO UPDATE SET description = excluded.description, precedence = excluded.precedence,
        role_arn = excluded.role_arn, updated_at = excluded.updated_at`),
    resourceServersByPool: db.prepare<[string], ResourceServerRow>('SELECT * FROM resource_servers WHERE pool_id = ? ORDER BY identifier'),
    resourceServerUpsert: db.prepare(`INSERT INTO resource_servers (pool_id, identifier, name, scopes)
      VALUES (@pool_id, @identifier, @name, @scopes)
      ON CONFLICT(pool_id, identifier) DO UPDATE SET name = excluded.name, scopes = excluded.scopes`),
    userGet: db.prepare<[string, string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE pool_id = ? AND id = ?`),
    userByKey: db.prepare<[string, string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE pool_id = ? AND username_key = ?`),
    userByAlias: db.prepare<[string, string, string], UserRow>(`SELECT ${USER_COLUMNS_OF_U} FROM user_aliases a JOIN users u ON u.id = a.user_id
      WHERE a.pool_id = ? AND a.attribute = ? AND a.value_key = ?`),
    userInsert: db.prepare(`INSERT INTO users (id, pool_id, username, username_key, status, enabled, password_hash,
        attributes, created_at, updated_at, password_updated_at, ${filterColumns.join(', ')})
      VALUES (@id, @pool_id, @username, @username_key, @status, @enabled, @password_hash, @attributes,
        @created_at, @updated_at, @password_updated_at, ${filterColumns.map((c) => `@${c}`).join(', ')})`),
    userUpdate: db.prepare(`UPDATE users SET status = @status, enabled = @enabled, password_hash = @password_hash,
        attributes = @attributes, updated_at = @updated_at, password_updated_at = @password_updated_at,
        ${filterColumns.map((c) => `${c} = @${c}`).join(', ')}
      WHERE pool_id = @pool_id AND id = @id`),
    userCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM users WHERE pool_id = ?'),
    aliasDeleteForUser: db.prepare('DELETE FROM user_aliases WHERE pool_id = ? AND user_id = ?'),
    aliasInsert: db.prepare('INSERT INTO user_aliases (pool_id, attribute, value_key, user_id) VALUES (?, ?, ?, ?)'),
    aliasOwner: db.prepare<[string, string, string], { user_id: string }>(
      'SELECT user_id FROM user_aliases WHERE pool_id = ? AND attribute = ? AND value_key = ?'),
    userGroupInsert: db.prepare(`INSERT OR IGNORE INTO user_groups (pool_id, user_id, group_name, created_at) VALUES (?, ?, ?, ?)`),
    userGroupDelete: db.prepare('DELETE FROM user_groups WHERE pool_id = ? AND user_id = ? AND group_name = ?'),
    groupMembers: db.prepare<[string, string], UserRow>(`SELECT ${USER_COLUMNS_OF_U} FROM users u JOIN user_groups ug ON ug.user_id = u.id
      WHERE ug.pool_id = ? AND ug.group_name = ? ORDER BY u.username_key`),
    poolDelete: db.prepare('DELETE FROM user_pools WHERE id = ?'),
    // Rows that name a pool without a foreign key to it (users' rows go with the users).
    poolLeftovers: ['authorization_codes', 'browser_sessions', 'refresh_tokens', 'token_families', 'signing_keys', 'auth_events']
      .map((table) => db.prepare(`DELETE FROM ${table} WHERE pool_id = ?`)),
    clientDelete: db.prepare('DELETE FROM clients WHERE id = ?'),
    groupGet: db.prepare<[string, string], GroupRow>('SELECT * FROM groups WHERE pool_id = ? AND name = ?'),
    groupInsert: db.prepare(`INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at)
      VALUES (@pool_id, @name, @description, @precedence, @role_arn, @created_at, @updated_at)`),
    groupUpdate: db.prepare(`UPDATE groups SET description = @description, precedence = @precedence, role_arn = @role_arn,
      updated_at = @updated_at WHERE pool_id = @pool_id AND name = @name`),
    groupDelete: db.prepare('DELETE FROM groups WHERE pool_id = ? AND name = ?'),
    resourceServerGet: db.prepare<[string, string], ResourceServerRow>('SELECT * FROM resource_servers WHERE pool_id = ? AND identifier = ?'),
    resourceServerInsert: db.prepare('INSERT INTO resource_servers (pool_id, identifier, name, scopes) VALUES (@pool_id, @identifier, @name, @scopes)'),
    resourceServerUpdate: db.prepare('UPDATE resource_servers SET name = @name, scopes = @scopes WHERE pool_id = @pool_id AND identifier = @identifier'),
    resourceServerDelete: db.prepare('DELETE FROM resource_servers WHERE pool_id = ? AND identifier = ?'),
    userDelete: db.prepare('DELETE FROM users WHERE pool_id = ? AND id = ?'),
  };
  // One statement per shape of query (column and kind of bound), prepared when first used.
  const userPages = new Map<string, Database.Statement<unknown[], UserRow>>();
  const userPage = (sql: string) => {
    let statement = userPages.get(sql);
    if (!statement) userPages.set(sql, statement = db.prepare<unknown[], UserRow>(sql));
    return statement;
  };

  const insertAliases = (poolId: string, userId: string, aliases: UserAlias[]) => {
    for (const a of aliases) {
      const owner = q.aliasOwner.get(poolId, a.attribute, a.key);
      if (owner && owner.user_id !== userId) throw new AlreadyExistsError(a.attribute);
      if (!owner) q.aliasInsert.run(poolId, a.attribute, a.key, userId);
    }
  };

  const insertUser = (user: User, usernameKey: string, aliases: UserAlias[]) => {
    if (q.userByKey.get(user.poolId, usernameKey)) throw new AlreadyExistsError('username');
    try {
      q.userInsert.run({
        id: user.id, pool_id: user.poolId, username: user.username, username_key: usernameKey, status: user.status,
        enabled: user.enabled ? 1 : 0, password_hash: user.passwordHash, attributes: toJson(user.attributes),
        created_at: user.createdAt, updated_at: user.updatedAt, password_updated_at: user.passwordUpdatedAt,
        ...filterColumnValues(user.attributes),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AlreadyExistsError('username');
      throw error;
    }
    insertAliases(user.poolId, user.id, aliases);
  };

  const putPool = (p: UserPool) =>
    q.poolUpsert.run({ id: p.id, name: p.name, settings: toJson(p.settings), created_at: p.createdAt, updated_at: p.updatedAt });
  const putClient = (c: StoredClient) => {
    const result = q.clientUpsert.run({
      id: c.id, pool_id: c.poolId, name: c.name, secret_sealed: c.secretSealed ?? null, settings: toJson(c.settings),
      created_at: c.createdAt, updated_at: c.updatedAt,
    });
    // The upsert's WHERE refuses to move a client between pools.
    if (result.changes === 0) throw new AlreadyExistsError(`client id ${c.id} (used by another user pool)`);
  };
  const groupParams = (g: Group) => ({
    pool_id: g.poolId, name: g.name, description: g.description ?? null, precedence: g.precedence ?? null,
    role_arn: g.roleArn ?? null, created_at: g.createdAt, updated_at: g.updatedAt,
  });
  const resourceServerParams = (rs: ResourceServer) => ({ pool_id: rs.poolId, identifier: rs.identifier, name: rs.name, scopes: toJson(rs.scopes) });
  const insertOrExists = (run: () => unknown, key: string) => {
    try {
      run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AlreadyExistsError(key);
      throw error;
    }
  };

  const pools: PoolStore = {
    async get(id) { const r = q.poolGet.get(id); return r && poolFromRow(r); },
    async exists(id) { return q.poolExists.get(id) !== undefined; },
    async list() { return q.poolList.all().map(poolFromRow); },
    async put(pool) { putPool(pool); },
    async delete(id) {
      return db.transaction(() => {
        for (const stmt of q.poolLeftovers) stmt.run(id);
        return q.poolDelete.run(id).changes > 0;
      }).immediate();
    },
  };

  const clients: ClientStore = {
    async get(clientId) { const r = q.clientGet.get(clientId); return r && clientFromRow(r); },
    async listByPool(poolId) { return q.clientsByPool.all(poolId).map(clientFromRow); },
    async put(client) {
      if (!q.poolGet.get(client.poolId)) throw new NotFoundError('user pool');
      putClient(client);
    },
    async delete(clientId) { return q.clientDelete.run(clientId).changes > 0; },
  };

  const groups: GroupStore = {
    async listForUser(poolId, userId) { return q.groupsForUser.all(poolId, userId).map(groupFromRow); },
    async listByPool(poolId) { return q.groupsByPool.all(poolId).map(groupFromRow); },
    async get(poolId, name) { const r = q.groupGet.get(poolId, name); return r && groupFromRow(r); },
    async create(group) {
      if (q.groupGet.get(group.poolId, group.name)) throw new AlreadyExistsError('group');
      insertOrExists(() => q.groupInsert.run(groupParams(group)), 'group');
    },
    async update(group) {
      if (q.groupUpdate.run(groupParams(group)).changes === 0) throw new NotFoundError('group');
    },
    async delete(poolId, name) { return q.groupDelete.run(poolId, name).changes > 0; },
    async addUser(poolId, userId, name, now) {
      db.transaction(() => {
        if (!q.groupGet.get(poolId, name)) throw new NotFoundError('group');
        if (!q.userGet.get(poolId, userId)) throw new NotFoundError('user');
        q.userGroupInsert.run(poolId, userId, name, now);
      }).immediate();
    },
    async removeUser(poolId, userId, name) { q.userGroupDelete.run(poolId, userId, name); },
    async listUsers(poolId, name) { return q.groupMembers.all(poolId, name).map(userFromRow); },
  };

  const resourceServers: ResourceServerStore = {
    async listByPool(poolId) { return q.resourceServersByPool.all(poolId).map(resourceServerFromRow); },
    async get(poolId, identifier) { const r = q.resourceServerGet.get(poolId, identifier); return r && resourceServerFromRow(r); },
    async create(server) {
      if (q.resourceServerGet.get(server.poolId, server.identifier)) throw new AlreadyExistsError('resource server');
      insertOrExists(() => q.resourceServerInsert.run(resourceServerParams(server)), 'resource server');
    },
    async update(server) {
      if (q.resourceServerUpdate.run(resourceServerParams(server)).changes === 0) throw new NotFoundError('resource server');
    },
    async delete(poolId, identifier) { return q.resourceServerDelete.run(poolId, identifier).changes > 0; },
  };

  const users: UserStore = {
    async get(poolId, userId) { const r = q.userGet.get(poolId, userId); return r && userFromRow(r); },
    async findByUsernameKey(poolId, key) { const r = q.userByKey.get(poolId, key); return r && userFromRow(r); },
    async findByAlias(poolId, attribute, key) { const r = q.userByAlias.get(poolId, attribute, key); return r && userFromRow(r); },
    async create(user, usernameKey, aliases) { db.transaction(insertUser)(user, usernameKey, aliases); },
    async update(poolId, userId, updater) {
      return db.transaction(() => {
        const row = q.userGet.get(poolId, userId);
        if (!row) throw new NotFoundError('user');
        const next = updater(userFromRow(row));
        q.userUpdate.run({
          id: userId, pool_id: poolId, status: next.status, enabled: next.enabled ? 1 : 0,
          password_hash: next.passwordHash, attributes: toJson(next.attributes), updated_at: next.updatedAt,
          password_updated_at: next.passwordUpdatedAt, ...filterColumnValues(next.attributes),
        });
        return next;
      }).immediate();
    },
    async setAliases(poolId, userId, aliases) {
      db.transaction(() => {
        q.aliasDeleteForUser.run(poolId, userId);
        insertAliases(poolId, userId, aliases);
      }).immediate();
    },
    async count(poolId) { return q.userCount.get(poolId)?.n ?? 0; },
    async delete(poolId, userId) { return q.userDelete.run(poolId, userId).changes > 0; },
    async list(poolId, page) {
      const plan = page.filter && planUserFilter(page.filter);
      const query = userPageQuery(plan);
      const statement = userPage(query.sql);
      return pageOfUsers(page.limit, page.after ?? '', (after, count) => statement.all(...query.params(poolId, after, count)), plan?.matches);
    },
  };

  const applyConfig = db.transaction((plan: ConfigPlan) => {
    // The plan was built before this transaction (another process on the file may have applied since).
    for (const p of plan.creates.pools) if (q.poolTaken.get(p.id, p.byName ?? null)) throw new StalePlanError(`user pool ${p.byName ?? p.id}`);
    for (const c of plan.creates.clients) {
      if (q.clientTaken.get(c.id, c.poolId, c.byName ?? null)) throw new StalePlanError(`client ${c.byName ?? c.id}`);
    }
    for (const p of plan.pools) putPool(p);
    for (const rs of plan.resourceServers) {
      q.resourceServerUpsert.run({ pool_id: rs.poolId, identifier: rs.identifier, name: rs.name, scopes: toJson(rs.scopes) });
    }
    for (const c of plan.clients) putClient(c);
    for (const g of plan.groups) q.groupUpsert.run(groupParams(g));
    for (const { user, usernameKey, aliases, groups: groupNames } of plan.users) {
      // Users are created only when absent, by username or by any sign-in alias.
      if (q.userByKey.get(user.poolId, usernameKey) || aliases.some((a) => q.aliasOwner.get(user.poolId, a.attribute, a.key))) continue;
      insertUser(user, usernameKey, aliases);
      for (const name of groupNames) q.userGroupInsert.run(user.poolId, user.id, name, user.createdAt);
    }
  });

  return { pools, clients, groups, resourceServers, users, applyConfig: (plan: ConfigPlan) => applyConfig.immediate(plan) };
}
