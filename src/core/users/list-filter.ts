/**
 * ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "prefix"`, on the attributes
 * Cognito allows. Anything else is InvalidParameter.
 */
import { AppError } from '../../errors/app-error.js';
import type { PoolSettings, User } from '../model.js';

export const FILTERABLE_ATTRIBUTES = [
  'username', 'email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'cognito:user_status', 'status', 'sub',
] as const;
type FilterAttribute = (typeof FILTERABLE_ATTRIBUTES)[number];

export interface UserFilter {
  attribute: FilterAttribute;
  operator: '=' | '^=';
  value: string;
}

const invalid = (why: string) => new AppError('InvalidParameter', `Error while parsing filter: ${why}`);

/** Parses a filter expression; an empty or blank one means no filter. */
export function parseUserFilter(text: string | undefined): UserFilter | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skipSpace();
  const nameStart = i;
  while (i < text.length && /[\w:]/.test(text[i]!)) i++;
  const attribute = text.slice(nameStart, i);
  if (!attribute) throw invalid('expected an attribute name.');
  if (!(FILTERABLE_ATTRIBUTES as readonly string[]).includes(attribute)) throw invalid(`attribute ${attribute.slice(0, 64)} cannot be used in a filter.`);
  skipSpace();
  let operator: UserFilter['operator'];
  if (text.startsWith('^=', i)) {
    operator = '^=';
    i += 2;
  } else if (text[i] === '=') {
    operator = '=';
    i += 1;
  } else {
    throw invalid('expected = or ^= after the attribute name.');
  }
  skipSpace();
  if (text[i] !== '"') throw invalid('the value must be in double quotes.');
  i++;
  let value = '';
  for (;;) {
    if (i >= text.length) throw invalid('unterminated string.');
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw invalid('unterminated string.');
      value += next;
      i += 2;
      continue;
    }
    i++;
    if (c === '"') break;
    value += c;
  }
  skipSpace();
  if (i !== text.length) throw invalid('unexpected text after the value.');
  return { attribute: attribute as FilterAttribute, operator, value };
}

function valueOf(user: User, attribute: FilterAttribute): string | undefined {
  switch (attribute) {
    case 'username': return user.username;
    case 'sub': return user.id;
    case 'cognito:user_status': return user.status;
    case 'status': return user.enabled ? 'Enabled' : 'Disabled';
    default: return user.attributes[attribute];
  }
}

const FOLDED: readonly string[] = ['username', 'email', 'preferred_username'];

export function matchesFilter(settings: PoolSettings, filter: UserFilter, user: User): boolean {
  let actual = valueOf(user, filter.attribute);
  if (actual === undefined) return false;
  let wanted = filter.value;
  if (!settings.caseSensitive && FOLDED.includes(filter.attribute)) {
    actual = actual.toLowerCase();
    wanted = wanted.toLowerCase();
  }
  return filter.operator === '=' ? actual === wanted : actual.startsWith(wanted);
}
