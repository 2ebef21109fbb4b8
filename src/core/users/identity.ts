import type { PoolSettings, User, UserPool } from '../model.js';
import type { Storage, UserAlias } from '../../storage/storage.js';
import { looksLikeEmail, looksLikePhone } from './attributes.js';

export const normaliseKey = (settings: PoolSettings, value: string) =>
  settings.caseSensitive ? value : value.toLowerCase();

/**
 * The attributes that sign a user in, as unique keys: the username attributes always
 * (they are the sign-in name), alias attributes once verified (preferred_username always).
 */
export function signInAliases(settings: PoolSettings, user: Pick<User, 'attributes'>): UserAlias[] {
  const aliases: UserAlias[] = [];
  const add = (attribute: string) => {
    const value = user.attributes[attribute];
    if (value) aliases.push({ attribute, key: normaliseKey(settings, value) });
  };
  for (const attribute of settings.usernameAttributes) add(attribute);
  for (const attribute of settings.aliasAttributes) {
    if (attribute === 'preferred_username' || user.attributes[`${attribute}_verified`] === 'true') add(attribute);
  }
  return aliases;
}

/** Finds the user a sign-in name refers to: username, sub, or an alias the pool allows. */
export async function findUserBySignInName(storage: Pick<Storage, 'users'>, pool: UserPool, name: string): Promise<User | undefined> {
  const { settings } = pool;
  const key = normaliseKey(settings, name);
  const aliasCandidates: string[] = [];
  if (looksLikeEmail(name)) aliasCandidates.push('email');
  if (looksLikePhone(name)) aliasCandidates.push('phone_number');
  aliasCandidates.push('preferred_username');
  for (const attribute of aliasCandidates) {
    if ((settings.usernameAttributes as string[]).includes(attribute) || (settings.aliasAttributes as string[]).includes(attribute)) {
      const user = await storage.users.findByAlias(pool.id, attribute, key);
      if (user) return user;
    }
  }
  return storage.users.findByUsernameKey(pool.id, key);
}
