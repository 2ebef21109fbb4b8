/**
 * ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "prefix"`, on the attributes
 * Cognito allows. Anything else is InvalidParameter.
 */
import { AppError } from '../../errors/app-error.js';
import { FOLDABLE_ATTRIBUTES, type UserListFilter } from '../../storage/storage.js';
import type { PoolSettings } from '../model.js';
import { normaliseKey } from './identity.js';

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

// Cognito's `status` is whether the user is enabled, shown as one of these.
const ENABLED_STATES = [['Enabled', true], ['Disabled', false]] as const;

/**
 * What the storage is asked for: undefined when every user matches, 'none' when none can.
 * Cognito's rules (which names fold, what `status` means) stay here; the storage compares.
 */
export function toListFilter(settings: PoolSettings, filter: UserFilter): UserListFilter | 'none' | undefined {
  const { attribute, operator, value } = filter;
  const accepts = (actual: string) => (operator === '=' ? actual === value : actual.startsWith(value));
  switch (attribute) {
    case 'status': {
      const states = ENABLED_STATES.filter(([shown]) => accepts(shown));
      if (states.length === 0) return 'none';
      return states.length === 1 ? { field: 'enabled', value: states[0]![1] } : undefined;
    }
    case 'username': return { field: 'usernameKey', operator, value: normaliseKey(settings, value) };
    case 'sub': return { field: 'id', operator, value };
    case 'cognito:user_status': return { field: 'status', operator, value };
    default:
      // email and preferred_username compare lower-cased on a pool that ignores case (as username does, through its key).
      return { field: attribute, operator, value, folded: !settings.caseSensitive && (FOLDABLE_ATTRIBUTES as readonly string[]).includes(attribute) };
  }
}
