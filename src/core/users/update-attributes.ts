/** A user changing their own attributes, and verifying email addresses (UpdateUserAttributes & co). */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, User, UserPool } from '../model.js';
import { validateUserAttributes } from './attributes.js';
import { sendCode, withCode, type CodeDeliveryDetails } from './codes.js';
import { saveUserWithAliases } from './save-user.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'sender'>;

/**
 * Writes attributes the client may write. A new email is unverified until its code is confirmed,
 * and a code is sent when the pool auto-verifies email.
 */
export async function updateOwnAttributes(deps: Deps, pool: UserPool, client: Client | undefined, user: User, attributes: Record<string, string>): Promise<CodeDeliveryDetails[]> {
  validateUserAttributes(pool.settings, attributes);
  const writable = client?.settings.writeAttributes;
  const refused = writable && writable.length > 0 ? Object.keys(attributes).filter((a) => !writable.includes(a)) : [];
  if (refused.length > 0) throw new AppError('NotAuthorized', `A client attempted to write unauthorized attribute: ${refused.join(', ')}`);
  const immutable = pool.settings.schema.filter((a) => !a.mutable).map((a) => `custom:${a.name}`);
  const fixed = Object.keys(attributes).filter((a) => immutable.includes(a));
  if (fixed.length > 0) throw new AppError('InvalidParameter', `Cannot modify the non-mutable attribute ${fixed[0]}`);

  const emailChanged = attributes.email !== undefined && attributes.email !== user.attributes.email;
  const phoneChanged = attributes.phone_number !== undefined && attributes.phone_number !== user.attributes.phone_number;
  const updated = await saveUserWithAliases(deps, pool, user, (u) => ({
    ...u,
    attributes: {
      ...u.attributes,
      ...attributes,
      ...(emailChanged ? { email_verified: 'false' } : {}),
      ...(phoneChanged ? { phone_number_verified: 'false' } : {}),
    },
  }));
  if (emailChanged && pool.settings.autoVerifiedAttributes.includes('email')) {
    return [await sendCode(deps, pool, updated, 'verify_email')];
  }
  return [];
}

export async function sendAttributeVerificationCode(deps: Deps, pool: UserPool, user: User, attribute: string): Promise<CodeDeliveryDetails> {
  if (attribute !== 'email') throw new AppError('InvalidParameter', `Cannot verify attribute ${attribute}: only email is supported`);
  if (!user.attributes.email) throw new AppError('InvalidParameter', 'The user has no email address.');
  return sendCode(deps, pool, user, 'verify_email');
}

export async function verifyOwnAttribute(deps: Deps, pool: UserPool, user: User, attribute: string, code: string): Promise<void> {
  if (attribute !== 'email') throw new AppError('InvalidParameter', `Cannot verify attribute ${attribute}: only email is supported`);
  await withCode(deps, user, 'verify_email', code, () =>
    saveUserWithAliases(deps, pool, user, (u) => ({ ...u, attributes: { ...u.attributes, email_verified: 'true' } })));
}
