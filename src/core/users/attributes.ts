import { AppError } from '../../errors/app-error.js';
import type { Client, PoolSettings, User } from '../model.js';

export const STANDARD_ATTRIBUTES = [
  'address', 'birthdate', 'email', 'family_name', 'gender', 'given_name', 'locale', 'middle_name', 'name', 'nickname',
  'phone_number', 'picture', 'preferred_username', 'profile', 'updated_at', 'website', 'zoneinfo',
] as const;
const VERIFIED_FLAGS = ['email_verified', 'phone_number_verified'];
export const MAX_ATTRIBUTE_LENGTH = 2048;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+[1-9]\d{4,14}$/;
const BIRTHDATE = /^\d{4}-\d{2}-\d{2}$/;

export const looksLikeEmail = (value: string) => EMAIL.test(value);
export const looksLikePhone = (value: string) => PHONE.test(value);

export function requiredAttributes(settings: PoolSettings): string[] {
  const required = settings.schema.filter((a) => a.required).map((a) => a.name);
  return [...new Set(required)];
}

function customAttribute(settings: PoolSettings, name: string) {
  return settings.schema.find((a) => `custom:${a.name}` === name || (a.developerOnly && `dev:${a.name}` === name));
}

/**
 * Validates attributes a user supplies (sign-up, update). `sub` and the verified flags are
 * the server's to set; unknown names and malformed values are InvalidParameter.
 */
export function validateUserAttributes(settings: PoolSettings, attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'sub' || VERIFIED_FLAGS.includes(name)) {
      throw new AppError('InvalidParameter', `Cannot modify the non-mutable attribute ${name}`);
    }
    const custom = name.startsWith('custom:') || name.startsWith('dev:') ? customAttribute(settings, name) : undefined;
    if (!custom && !(STANDARD_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new AppError('InvalidParameter', `Attribute does not exist in the schema: ${name}`);
    }
    if (typeof value !== 'string' || value.length > (custom?.maxLength ?? MAX_ATTRIBUTE_LENGTH)) {
      throw new AppError('InvalidParameter', `Invalid value for attribute ${name}: too long`);
    }
    if (custom?.minLength !== undefined && value.length < custom.minLength) {
      throw new AppError('InvalidParameter', `Invalid value for attribute ${name}: too short`);
    }
    if (custom?.dataType === 'Number' && !/^-?\d+(\.\d+)?$/.test(value)) {
      throw new AppError('InvalidParameter', `Invalid value for attribute ${name}: must be a number`);
    }
    if (name === 'email' && !looksLikeEmail(value)) throw new AppError('InvalidParameter', 'Invalid email address format.');
    if (name === 'phone_number' && !looksLikePhone(value)) {
      throw new AppError('InvalidParameter', 'Invalid phone number format: use E.164, such as +14325551212.');
    }
    if (name === 'birthdate' && !BIRTHDATE.test(value)) {
      throw new AppError('InvalidParameter', 'Invalid birthdate: use YYYY-MM-DD.');
    }
  }
}

export function missingRequiredAttributes(settings: PoolSettings, attributes: Record<string, string>): string[] {
  return requiredAttributes(settings).filter((name) => !attributes[name]?.trim());
}

/** Attribute names a client may read: its ReadAttributes, or every attribute when unset. */
export function readableAttributes(client: Client, user: User): string[] {
  const names = Object.keys(user.attributes).filter((n) => n !== 'sub');
  const allowed = client.settings.readAttributes;
  return allowed && allowed.length > 0 ? names.filter((n) => allowed.includes(n)) : names.filter((n) => !n.startsWith('dev:'));
}

/** "j***@e***" and "+*******1212", as Cognito masks delivery destinations. */
export function maskDestination(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) {
    const domain = value.slice(at + 1);
    return `${value[0]}***@${domain[0] ?? ''}***`;
  }
  return `+${'*'.repeat(Math.max(0, value.length - 5))}${value.slice(-4)}`;
}
