/** Pools, clients, groups, resource servers and users on PostgreSQL. */
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
import { inTransaction, isUniqueViolation, one, nullable, toJson, type Pool, type Queryable } from './db.js';
import { clientFromRow, groupFromRow, poolFromRow, resourceServerFromRow, USER_COLUMNS, USER_COLUMNS_OF_U, userFromRow, type ClientRow, type GroupRow, type PoolRow, type ResourceServerRow, type UserRow } from '../rows.js';
import { FILTER_COLUMNS, filterColumnValues, pageOfUsers, pageQuery, planUserFilter, type FilterPlan, type PageQuery } from '../user-list.js';

/**
 * Tables that name a pool without a foreign key to it (users' rows go with the users); a pool's
 * deletion clears them. A later table of that kind (e.g. auth_events) is added here.
 */
export const POOL_LEFTOVER_TABLES = ['authorization_codes', 'browser_sessions', 'refresh_tokens', 'token_families', 'signing_keys', 'auth_events'];

/** Config applies from several instances starting at once take turns, so none trips over another's users. */
const CONFIG_LOCK = '8030029660608753517';

// Sorting is byte order (COLLATE "C"), as SQLite sorts, whatever locale the database has.
const SQL = {
  poolUpsert: `INSERT INTO user_pools (id, name, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at`,
  // The WHERE refuses to move a client between pools: nothing is written and no row comes back.
  clientUpsert: `INSERT INTO clients (id, pool_id, name, secret_sealed, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, secret_sealed = excluded.secret_sealed,
      settings = excluded.settings, updated_at = excluded.updated_at
    WHERE clients.pool_id = excluded.pool_id`,
  groupUpsert: `INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (pool_id, name) DO UPDATE SET description = excluded.description, precedence = excluded.precedence,
      role_arn = excluded.role_arn, updated_at = excluded.updated_at`,
  resourceServerUpsert: `INSERT INTO resource_servers (pool_id, identifier, name, scopes) VALUES ($1, $2, $3, $4)
    ON CONFLICT (pool_id, identifier) DO UPDATE SET name = excluded.name, scopes = excluded.scopes`,
  userByKey: `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND username_key = $2`,
  aliasOwner: 'SELECT user_id FROM user_aliases WHERE pool_id = $1 AND attribute = $2 AND value_key = $3',
  userGroupInsert: `INSERT INTO user_groups (pool_id, user_id, group_name, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (user_id, group_name) DO NOTHING`,
};

const groupParams = (g: Group) => [g.poolId, g.name, nullable(g.description), nullable(g.precedence), nullable(g.roleArn), g.createdAt, g.updatedAt];
const resourceServerParams = (rs: ResourceServer) => [rs.poolId, rs.identifier, rs.name, toJson(rs.scopes)];

async function putPool(db: Queryable, p: UserPool) {
  await db.query(SQL.poolUpsert, [p.id, p.name, toJson(p.settings), p.createdAt, p.updatedAt]);
}

async function putClient(db: Queryable, c: StoredClient) {
  const result = await db.query(SQL.clientUpsert, [c.id, c.poolId, c.name, nullable(c.secretSealed), toJson(c.settings), c.createdAt, c.updatedAt]);
  if (result.rowCount === 0) throw new AlreadyExistsError(`client id ${c.id} (used by another user pool)`);
}

/**
 * Each alias is claimed with ON CONFLICT DO NOTHING: a claim racing another transaction's waits
 * for it to finish, then either wins or finds the owner, so a taken alias is always reported by name.
 */
async function insertAliases(db: Queryable, poolId: string, userId: string, aliases: UserAlias[]) {
  for (const a of aliases) {
    const claimed = await db.query(`INSERT INTO user_aliases (pool_id, attribute, value_key, user_id) VALUES ($1, $2, $3, $4)
      ON CONFLICT (pool_id, attribute, value_key) DO NOTHING`, [poolId, a.attribute, a.key, userId]);
    if (claimed.rowCount === 1) continue;
    const owner = await one<{ user_id: string }>(db, SQL.aliasOwner, [poolId, a.attribute, a.key]);
    if (owner?.user_id !== userId) throw new AlreadyExistsError(a.attribute);
  }
}

const filterColumns = Object.values(FILTER_COLUMNS);
const filterValues = (attributes: Record<string, string>) => {
  const values = filterColumnValues(attributes);
  return filterColumns.map((c) => values[c]);
};

/**
 * A page of users, narrowed by `plan` when there is one. id and status sort in the database's
 * locale; their filter indexes, and so these comparisons, use "C" (the filter columns and
 * username_key are declared so).
 */
export const userPageQuery = (plan: FilterPlan | undefined): PageQuery => pageQuery(plan, {
  placeholder: (position) => `$${position}`,
  column: (column) => (column === 'id' || column === 'status' ? `${column} COLLATE "C"` : column),
  indexHint: () => '',
});

async function insertUser(db: Queryable, user: User, usernameKey: string, aliases: UserAlias[]) {
  if (await one(db, SQL.userByKey, [user.poolId, usernameKey])) throw new AlreadyExistsError('username');
  try {
    await db.query(`INSERT INTO users (id, pool_id, username, username_key, status, enabled, password_hash, attributes,
        created_at, updated_at, password_updated_at, ${filterColumns.join(', ')})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ${filterColumns.map((_, i) => `$${i + 12}`).join(', ')})`, [
      user.id, user.poolId, user.username, usernameKey, user.status, user.enabled ? 1 : 0, user.passwordHash,
      toJson(user.attributes), user.createdAt, user.updatedAt, user.passwordUpdatedAt, ...filterValues(user.attributes),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AlreadyExistsError('username');
    throw error;
  }
  await insertAliases(db, user.poolId, user.id, aliases);
}

export function createDirectoryStores(pool: Pool) {
  const pools: PoolStore = {
    async get(id) { const r = await one<PoolRow>(pool, 'SELECT * FROM user_pools WHERE id = $1', [id]); return r && poolFromRow(r); },
    async exists(id) { return (await pool.query('SELECT 1 FROM user_pools WHERE id = $1', [id])).rowCount === 1; },
    async list() {
      return (await pool.query<PoolRow>('SELECT * FROM user_pools ORDER BY created_at, id COLLATE "C"')).rows.map(poolFromRow);
    },
    async put(p) { await putPool(pool, p); },
    async delete(id) {
      return inTransaction(pool, async (c) => {
        for (const table of POOL_LEFTOVER_TABLES) await c.query(`DELETE FROM ${table} WHERE pool_id = $1`, [id]);
        return (await c.query('DELETE FROM user_pools WHERE id = $1', [id])).rowCount === 1;
      });
    },
  };

  const clients: ClientStore = {
    async get(clientId) { const r = await one<ClientRow>(pool, 'SELECT * FROM clients WHERE id = $1', [clientId]); return r && clientFromRow(r); },
    async listByPool(poolId) {
      const rows = await pool.query<ClientRow>('SELECT * FROM clients WHERE pool_id = $1 ORDER BY created_at, id COLLATE "C"', [poolId]);
      return rows.rows.map(clientFromRow);
    },
    async put(client) {
      if (!(await pools.exists(client.poolId))) throw new NotFoundError('user pool');
      await putClient(pool, client);
    },
    async delete(clientId) { return (await pool.query('DELETE FROM clients WHERE id = $1', [clientId])).rowCount === 1; },
  };

  const getGroup = (db: Queryable, poolId: string, name: string) =>
    one<GroupRow>(db, 'SELECT * FROM groups WHERE pool_id = $1 AND name = $2', [poolId, name]);

  const groups: GroupStore = {
    async listForUser(poolId, userId) {
      const rows = await pool.query<GroupRow>(`SELECT g.* FROM groups g
        JOIN user_groups ug ON ug.pool_id = g.pool_id AND ug.group_name = g.name
        WHERE ug.pool_id = $1 AND ug.user_id = $2 ORDER BY g.name COLLATE "C"`, [poolId, userId]);
      return rows.rows.map(groupFromRow);
    },
    async listByPool(poolId) {
      return (await pool.query<GroupRow>('SELECT * FROM groups WHERE pool_id = $1 ORDER BY name COLLATE "C"', [poolId])).rows.map(groupFromRow);
    },
    async get(poolId, name) { const r = await getGroup(pool, poolId, name); return r && groupFromRow(r); },
    async create(group) {
      const inserted = await pool.query(`INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pool_id, name) DO NOTHING`, groupParams(group));
      if (inserted.rowCount === 0) throw new AlreadyExistsError('group');
    },
    async update(g) {
      const updated = await pool.query(`UPDATE groups SET description = $3, precedence = $4, role_arn = $5, updated_at = $6
        WHERE pool_id = $1 AND name = $2`, [g.poolId, g.name, nullable(g.description), nullable(g.precedence), nullable(g.roleArn), g.updatedAt]);
      if (updated.rowCount === 0) throw new NotFoundError('group');
    },
    async delete(poolId, name) { return (await pool.query('DELETE FROM groups WHERE pool_id = $1 AND name = $2', [poolId, name])).rowCount === 1; },
    async addUser(poolId, userId, name, now) {
      await inTransaction(pool, async (c) => {
        // KEY SHARE holds both rows until the membership is written, so neither can vanish in between.
        if (!(await one(c, 'SELECT 1 FROM groups WHERE pool_id = $1 AND name = $2 FOR KEY SHARE', [poolId, name]))) throw new NotFoundError('group');
        if (!(await one(c, 'SELECT 1 FROM users WHERE pool_id = $1 AND id = $2 FOR KEY SHARE', [poolId, userId]))) throw new NotFoundError('user');
        await c.query(SQL.userGroupInsert, [poolId, userId, name, now]);
      });
    },
    async removeUser(poolId, userId, name) {
      await pool.query('DELETE FROM user_groups WHERE pool_id = $1 AND user_id = $2 AND group_name = $3', [poolId, userId, name]);
    },
    async listUsers(poolId, name) {
      const rows = await pool.query<UserRow>(`SELECT ${USER_COLUMNS_OF_U} FROM users u JOIN user_groups ug ON ug.user_id = u.id
        WHERE ug.pool_id = $1 AND ug.group_name = $2 ORDER BY u.username_key`, [poolId, name]);
      return rows.rows.map(userFromRow);
    },
  };

  const resourceServers: ResourceServerStore = {
    async listByPool(poolId) {
      const rows = await pool.query<ResourceServerRow>('SELECT * FROM resource_servers WHERE pool_id = $1 ORDER BY identifier COLLATE "C"', [poolId]);
      return rows.rows.map(resourceServerFromRow);
    },
    async get(poolId, identifier) {
      const r = await one<ResourceServerRow>(pool, 'SELECT * FROM resource_servers WHERE pool_id = $1 AND identifier = $2', [poolId, identifier]);
      return r && resourceServerFromRow(r);
    },
    async create(server) {
      const inserted = await pool.query(`INSERT INTO resource_servers (pool_id, identifier, name, scopes) VALUES ($1, $2, $3, $4)
        ON CONFLICT (pool_id, identifier) DO NOTHING`, resourceServerParams(server));
      if (inserted.rowCount === 0) throw new AlreadyExistsError('resource server');
    },
    async update(server) {
      const updated = await pool.query('UPDATE resource_servers SET name = $3, scopes = $4 WHERE pool_id = $1 AND identifier = $2',
        resourceServerParams(server));
      if (updated.rowCount === 0) throw new NotFoundError('resource server');
    },
    async delete(poolId, identifier) {
      return (await pool.query('DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2', [poolId, identifier])).rowCount === 1;
    },
  };

  const users: UserStore = {
    async get(poolId, userId) {
      const r = await one<UserRow>(pool, `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND id = $2`, [poolId, userId]);
      return r && userFromRow(r);
    },
    async findByUsernameKey(poolId, key) { const r = await one<UserRow>(pool, SQL.userByKey, [poolId, key]); return r && userFromRow(r); },
    async findByAlias(poolId, attribute, key) {
      const r = await one<UserRow>(pool, `SELECT ${USER_COLUMNS_OF_U} FROM user_aliases a JOIN users u ON u.id = a.user_id
        WHERE a.pool_id = $1 AND a.attribute = $2 AND a.value_key = $3`, [poolId, attribute, key]);
      return r && userFromRow(r);
    },
    async create(user, usernameKey, aliases) { await inTransaction(pool, (c) => insertUser(c, user, usernameKey, aliases)); },
    async update(poolId, userId, updater) {
      return inTransaction(pool, async (c) => {
        // NO KEY UPDATE: the id never changes, so rows that reference the user (codes, MFA, lockout)
        // may still be written meanwhile; only other updates of this user wait.
        const row = await one<UserRow>(c, `SELECT ${USER_COLUMNS} FROM users WHERE pool_id = $1 AND id = $2 FOR NO KEY UPDATE`, [poolId, userId]);
        if (!row) throw new NotFoundError('user');
        const next = updater(userFromRow(row));
        await c.query(`UPDATE users SET status = $3, enabled = $4, password_hash = $5, attributes = $6, updated_at = $7,
            password_updated_at = $8, ${filterColumns.map((col, i) => `${col} = $${i + 9}`).join(', ')} WHERE pool_id = $1 AND id = $2`, [
          poolId, userId, next.status, next.enabled ? 1 : 0, next.passwordHash, toJson(next.attributes), next.updatedAt, next.passwordUpdatedAt,
          ...filterValues(next.attributes),
        ]);
        return next;
      });
    },
    async setAliases(poolId, userId, aliases) {
      await inTransaction(pool, async (c) => {
        await c.query('DELETE FROM user_aliases WHERE pool_id = $1 AND user_id = $2', [poolId, userId]);
        await insertAliases(c, poolId, userId, aliases);
      });
    },
    async count(poolId) {
      return (await one<{ n: number }>(pool, 'SELECT count(*) AS n FROM users WHERE pool_id = $1', [poolId]))?.n ?? 0;
    },
    async delete(poolId, userId) { return (await pool.query('DELETE FROM users WHERE pool_id = $1 AND id = $2', [poolId, userId])).rowCount === 1; },
    async list(poolId, page) {
      const plan = page.filter && planUserFilter(page.filter);
      const query = userPageQuery(plan);
      return pageOfUsers(page.limit, page.after ?? '', async (after, count) =>
        (await pool.query<UserRow>(query.sql, query.params(poolId, after, count))).rows, plan?.matches);
    },
  };

  const applyConfig = (plan: ConfigPlan) => inTransaction(pool, async (c) => {
    // Waiting for another instance's apply is not a stuck statement; the writes after it are timed as usual.
    await c.query('SET LOCAL statement_timeout = 0');
    await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [CONFIG_LOCK]);
    await c.query('SET LOCAL statement_timeout TO DEFAULT');
    // The plan was built before the lock: what it creates may have been created meanwhile.
    for (const p of plan.creates.pools) {
      if (await one(c, 'SELECT 1 FROM user_pools WHERE id = $1 OR name = $2', [p.id, nullable(p.byName)])) throw new StalePlanError(`user pool ${p.byName ?? p.id}`);
    }
    for (const cl of plan.creates.clients) {
      if (await one(c, 'SELECT 1 FROM clients WHERE id = $1 OR (pool_id = $2 AND name = $3)', [cl.id, cl.poolId, nullable(cl.byName)])) {
        throw new StalePlanError(`client ${cl.byName ?? cl.id}`);
      }
    }
    for (const p of plan.pools) await putPool(c, p);
    for (const rs of plan.resourceServers) await c.query(SQL.resourceServerUpsert, resourceServerParams(rs));
    for (const cl of plan.clients) await putClient(c, cl);
    for (const g of plan.groups) await c.query(SQL.groupUpsert, groupParams(g));
    for (const { user, usernameKey, aliases, groups: groupNames } of plan.users) {
      // Users are created only when absent, by username or by any sign-in alias.
      if (await one(c, SQL.userByKey, [user.poolId, usernameKey])) continue;
      let taken = false;
      for (const a of aliases) taken ||= (await one(c, SQL.aliasOwner, [user.poolId, a.attribute, a.key])) !== undefined;
      if (taken) continue;
      // A sign-up may create the same user meanwhile; then it exists, which is all the plan asks.
      await c.query('SAVEPOINT config_user');
      try {
        await insertUser(c, user, usernameKey, aliases);
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
        await c.query('ROLLBACK TO SAVEPOINT config_user');
        continue;
      }
      await c.query('RELEASE SAVEPOINT config_user');
      for (const name of groupNames) await c.query(SQL.userGroupInsert, [user.poolId, user.id, name, user.createdAt]);
    }
  });

  return { pools, clients, groups, resourceServers, users, applyConfig };
}
