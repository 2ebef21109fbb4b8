import { AppError } from '../../errors/app-error.js';
import { AlreadyExistsError } from '../../storage/storage.js';
import { audited } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { looksLikeEmail, looksLikePhone, missingRequiredAttributes, validateUserAttributes } from './attributes.js';
import { storeSrpVerifier } from '../auth/srp-verifier.js';
import { sendCode, withCode, type CodeDeliveryDetails } from './codes.js';
import { findUserBySignInName, normaliseKey, signInAliases } from './identity.js';
import { saveUserWithAliases, type AliasOptions } from './save-user.js';

const USERNAME_PATTERN = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

export interface SignUpInput {
  username: string;
  password: string;
  attributes: Record<string, string>;
}

export interface SignUpResult {
  user: User;
  userConfirmed: boolean;
  codeDelivery?: CodeDeliveryDetails;
}

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'hasher' | 'box' | 'sender' | 'audit' | 'breachedPasswords'>;

/** Works out the real username and attributes, following UsernameAttributes and AliasAttributes. */
export function resolveIdentity(pool: UserPool, deps: Pick<CoreDeps, 'random'>, input: Omit<SignUpInput, 'password'>): { username: string; attributes: Record<string, string> } {
  const { settings } = pool;
  const attributes = { ...input.attributes };
  const name = input.username.trim();
  if (settings.usernameAttributes.length > 0) {
    const asEmail = settings.usernameAttributes.includes('email') && looksLikeEmail(name);
    const asPhone = settings.usernameAttributes.includes('phone_number') && looksLikePhone(name);
    if (!asEmail && !asPhone) {
      const wanted = settings.usernameAttributes.map((a) => (a === 'email' ? 'an email' : 'a phone number')).join(' or ');
      throw new AppError('InvalidParameter', `Username should be ${wanted}.`);
    }
    const attribute = asEmail ? 'email' : 'phone_number';
    if (attributes[attribute] && attributes[attribute] !== name) {
      throw new AppError('InvalidParameter', `The ${attribute} attribute must match the username.`);
    }
    attributes[attribute] = name;
    return { username: deps.random.uuid(), attributes };
  }
  if (!USERNAME_PATTERN.test(name)) {
    throw new AppError('InvalidParameter', 'Username must be 1 to 128 characters without spaces.');
  }
  if (settings.aliasAttributes.includes('email') && looksLikeEmail(name)) {
    throw new AppError('InvalidParameter', 'Username cannot be of email format, since user pool is configured for email alias.');
  }
  if (settings.aliasAttributes.includes('phone_number') && looksLikePhone(name)) {
    throw new AppError('InvalidParameter', 'Username cannot be of phone number format, since user pool is configured for phone_number alias.');
  }
  return { username: name, attributes };
}

/** `clientId` is the app the user signed up through (for the audit trail). */
export async function signUp(deps: Deps, pool: UserPool, input: SignUpInput, clientId?: string): Promise<SignUpResult> {
  return audited(deps, { type: 'SignUp', poolId: pool.id, username: input.username, clientId }, async (event) => {
    const { settings } = pool;
    if (settings.allowAdminCreateUserOnly) throw new AppError('NotAuthorized', 'SignUp is not permitted for this user pool');
    validateUserAttributes(settings, input.attributes);
    const { username, attributes } = resolveIdentity(pool, deps, input);
    const missing = missingRequiredAttributes(settings, attributes);
    if (missing.length > 0) {
      throw new AppError('InvalidParameter', `Attributes did not conform to the schema: ${missing.map((m) => `${m}: The attribute ${m} is required`).join(', ')}`, { detail: { missing } });
    }
    assertChosenPassword(deps, settings, input.password);

    const now = deps.clock.now();
    const id = deps.random.uuid();
    if (attributes.email) attributes.email_verified = 'false';
    if (attributes.phone_number) attributes.phone_number_verified = 'false';
    const user: User = {
      id, poolId: pool.id, username: settings.usernameAttributes.length > 0 ? id : username, status: 'UNCONFIRMED',
      enabled: true, passwordHash: await deps.hasher.hash(input.password), attributes: { sub: id, ...attributes },
      createdAt: now, updatedAt: now, passwordUpdatedAt: now,
    };
    try {
      await deps.storage.users.create(user, normaliseKey(settings, user.username), signInAliases(settings, user));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const message = error.key === 'username' ? 'User already exists' : `An account with the given ${error.key} already exists.`;
      throw new AppError('UsernameExists', message);
    }
    event.userId = user.id;
    await storeSrpVerifier(deps, pool, user, input.password);

    if (settings.autoVerifiedAttributes.includes('email') && user.attributes.email) {
      const codeDelivery = await sendCode(deps, pool, user, 'signup');
      return { user, userConfirmed: false, codeDelivery };
    }
    return { user, userConfirmed: false };
  });
}

async function requireUser(deps: Pick<CoreDeps, 'storage'>, pool: UserPool, username: string): Promise<User> {
  const user = await findUserBySignInName(deps.storage, pool, username);
  if (!user) throw new AppError('UserNotFound', 'Username/client id combination not found.');
  return user;
}

/** Confirms an UNCONFIRMED user with the emailed code, which also verifies the email. */
export async function confirmSignUp(
  deps: Deps, pool: UserPool, username: string, code: string, clientId?: string, aliases: AliasOptions = {},
): Promise<User> {
  return audited(deps, { type: 'ConfirmSignUp', poolId: pool.id, username, clientId }, async (event) => {
    const user = await requireUser(deps, pool, username);
    event.userId = user.id;
    if (user.status !== 'UNCONFIRMED') {
      throw new AppError('NotAuthorized', `User cannot be confirmed. Current status is ${user.status}`);
    }
    return withCode(deps, user, 'signup', code, () => saveUserWithAliases(deps, pool, user, (u) => ({
      ...u,
      status: 'CONFIRMED',
      attributes: u.attributes.email ? { ...u.attributes, email_verified: 'true' } : u.attributes,
    }), aliases));
  });
}

export async function resendConfirmationCode(deps: Deps, pool: UserPool, username: string, clientId?: string): Promise<CodeDeliveryDetails> {
  return audited(deps, { type: 'ResendCode', poolId: pool.id, username, clientId }, async (event) => {
    const user = await requireUser(deps, pool, username);
    event.userId = user.id;
    if (user.status !== 'UNCONFIRMED') throw new AppError('InvalidParameter', 'User is already confirmed.');
    return sendCode(deps, pool, user, 'signup');
  });
}

export { requireUser };
