/**
 * users.list's filter, planned once for both backends. Each filterable attribute is copied, when a
 * user is written, into a column of its own (indexed with the pool and the username key), so the
 * SQL reads only candidates, in list order. The SQL may let through a few users too many, never
 * too few; `matches` then decides exactly, as String comparisons in JavaScript would.
 *
 * Why columns rather than indexes on expressions over the attributes JSON: PostgreSQL refuses to
 * turn a JSON string holding \u0000 or a lone surrogate into text (such a user could then not be
 * stored, nor the index built), and neither database lower-cases like JavaScript does (SQLite
 * only folds ASCII, PostgreSQL follows its locale), so folded keys are computed here.
 */
import type { User } from '../core/model.js';
import { USER_COLUMNS, userFromRow, type UserRow } from './rows.js';
import { FOLDABLE_ATTRIBUTES, LISTABLE_ATTRIBUTES, type ListableAttribute, type UserListFilter } from './storage.js';

/** The users column holding each attribute's key (lower-cased for the foldable ones). */
export const FILTER_COLUMNS = {
  email: 'filter_email_folded',
  phone_number: 'filter_phone_number',
  name: 'filter_name',
  given_name: 'filter_given_name',
  family_name: 'filter_family_name',
  preferred_username: 'filter_preferred_username_folded',
} as const satisfies Record<ListableAttribute, string>;
export type FilterColumn = (typeof FILTER_COLUMNS)[ListableAttribute];

const isFoldable = (field: string): boolean => (FOLDABLE_ATTRIBUTES as readonly string[]).includes(field);

// PostgreSQL text cannot hold NUL; dropping it from both sides still lets every match through.
const exactKey = (value: string): string => value.replaceAll('\u0000', '');
// toLowerCase turns Σ into ς or σ depending on the letters around it, so a lower-cased prefix need
// not be a prefix of the lower-cased whole; with the two sigmas as one letter it always is.
const foldedKey = (value: string): string => exactKey(value.toLowerCase()).replaceAll('ς', 'σ');
// A lone surrogate has no UTF-8 form; replaced on both sides (as String.prototype.toWellFormed
// does), what is stored is exactly what is compared, whatever the driver would make of it.
const wellFormed = (value: string): string =>
  value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** The filter columns' values for a user's attributes (NULL where the user has no such attribute). */
export function filterColumnValues(attributes: Record<string, string>): Record<FilterColumn, string | null> {
  const values = {} as Record<FilterColumn, string | null>;
  for (const attribute of LISTABLE_ATTRIBUTES) {
    const value = attributes[attribute];
    values[FILTER_COLUMNS[attribute]] = value === undefined ? null : wellFormed(isFoldable(attribute) ? foldedKey(value) : exactKey(value));
  }
  return values;
}

/**
 * The least string above every string that starts with `prefix`, in code point order (which is
 * UTF-8 byte order: SQLite's BINARY, PostgreSQL's "C"); none when every code point is the last one.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

export type PlanColumn = 'username_key' | 'id' | 'status' | 'enabled' | FilterColumn;

/** The index (same name in both schemas) through which each column is filtered. */
export const FILTER_INDEXES: Record<PlanColumn, string> = {
  username_key: 'users_username', id: 'users_filter_sub', status: 'users_filter_status', enabled: 'users_filter_enabled',
  filter_email_folded: 'users_filter_email', filter_phone_number: 'users_filter_phone_number', filter_name: 'users_filter_name',
  filter_given_name: 'users_filter_given_name', filter_family_name: 'users_filter_family_name',
  filter_preferred_username_folded: 'users_filter_preferred_username',
};

export interface FilterPlan {
  column: PlanColumn;
  /** Either the column equals `equals`, or it lies in [from, below) (no upper bound when `below` is absent). */
  equals?: string | number;
  from?: string;
  below?: string;
  /** Whether a candidate the SQL found really matches. */
  matches(user: User, usernameKey: string): boolean;
}

function valueOf(field: Exclude<UserListFilter['field'], 'enabled'>, user: User, usernameKey: string): string | undefined {
  switch (field) {
    case 'usernameKey': return usernameKey;
    case 'id': return user.id;
    case 'status': return user.status;
    default: return user.attributes[field];
  }
}

export function planUserFilter(filter: UserListFilter): FilterPlan {
  if (filter.field === 'enabled') {
    const wanted = filter.value;
    return { column: 'enabled', equals: wanted ? 1 : 0, matches: (user) => user.enabled === wanted };
  }
  const { field, operator } = filter;
  const folded = filter.folded === true;
  if (folded && !isFoldable(field)) throw new Error(`users.list cannot compare ${field} folded`);
  const wanted = folded ? filter.value.toLowerCase() : filter.value;
  const matches = (user: User, usernameKey: string) => {
    const actual = valueOf(field, user, usernameKey);
    if (actual === undefined) return false;
    const compared = folded ? actual.toLowerCase() : actual;
    return operator === '=' ? compared === wanted : compared.startsWith(wanted);
  };
  const column: PlanColumn = field === 'usernameKey' ? 'username_key' : field === 'id' || field === 'status' ? field : FILTER_COLUMNS[field];
  // The foldable columns hold folded keys whichever way a pool compares: an exact match is among
  // the folded ones, and `matches` keeps only it.
  let key = isFoldable(field) ? foldedKey(filter.value) : exactKey(filter.value);
  if (operator === '=') return { column, equals: wellFormed(key), matches };
  // A prefix ending in half a surrogate pair may be, in a longer value, part of one character.
  if (/[\uD800-\uDBFF]$/.test(key)) key = key.slice(0, -1);
  key = wellFormed(key);
  return { column, from: key, below: prefixEnd(key), matches };
}

/**
 * The SQL terms of a plan (to AND with the rest), `columnSql` giving each column's expression as
 * its index has it, `param` the placeholder of each value in turn.
 */
export function planTerms(plan: FilterPlan, columnSql: (column: PlanColumn) => string, param: (value: string | number) => string): string {
  const column = columnSql(plan.column);
  if (plan.equals !== undefined) return `${column} = ${param(plan.equals)}`;
  const from = `${column} >= ${param(plan.from!)}`;
  return plan.below === undefined ? from : `${from} AND ${column} < ${param(plan.below)}`;
}

/** How a backend writes a page query: its placeholders, each column as its index has it, an index hint. */
export interface PageQueryDialect {
  placeholder(position: number): string;
  column(column: PlanColumn): string;
  indexHint(column: PlanColumn): string;
}

export interface PageQuery {
  sql: string;
  /** The pool id, the plan's values, then the cursor and the row count, in placeholder order. */
  params(poolId: string, after: string, count: number): unknown[];
}

/** The query of a page of users (in username-key order after a cursor), narrowed by `plan` when there is one. */
export function pageQuery(plan: FilterPlan | undefined, dialect: PageQueryDialect): PageQuery {
  const values: unknown[] = [];
  const param = (value: string | number) => { values.push(value); return dialect.placeholder(values.length + 1); };
  const terms = plan ? ` AND ${planTerms(plan, dialect.column, param)}` : '';
  const index = plan ? dialect.indexHint(plan.column) : '';
  const at = (position: number) => dialect.placeholder(position);
  const n = values.length;
  return {
    sql: `SELECT ${USER_COLUMNS} FROM users${index} WHERE pool_id = ${at(1)}${terms} AND username_key > ${at(n + 2)} ORDER BY username_key LIMIT ${at(n + 3)}`,
    params: (poolId, after, count) => [poolId, ...values, after, count],
  };
}

/**
 * One page from `fetch` (rows in username-key order after a key, at most `count`): users that
 * `matches` accepts, up to `limit`, and `next` only when another matching user follows.
 */
export async function pageOfUsers(
  limit: number,
  after: string,
  fetch: (after: string, count: number) => UserRow[] | Promise<UserRow[]>,
  matches?: FilterPlan['matches'],
): Promise<{ users: User[]; next?: string }> {
  const users: User[] = [];
  let lastShown = after;
  let cursor = after;
  const count = limit + 1;
  for (;;) {
    const rows = await fetch(cursor, count);
    for (const row of rows) {
      const user = matches ? userFromRow(row) : undefined;
      if (user && !matches!(user, row.username_key!)) continue;
      if (users.length === limit) return { users, next: lastShown };
      users.push(user ?? userFromRow(row));
      lastShown = row.username_key!;
    }
    if (rows.length < count) return { users, next: undefined };
    cursor = rows[rows.length - 1]!.username_key!;
  }
}
