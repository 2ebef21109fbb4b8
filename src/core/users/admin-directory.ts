/**
 * Users as an administrator manages them: AdminCreateUser (with the invitation), AdminDeleteUser,
 * attribute changes, AdminResetUserPassword and ListUsers.
 */
import { AppError } from '../../errors/app-error.js';
import { saveUserWithAliases, writeAliases } from './save-user.js';
import { signOutEverywhere } from './admin-users.js';
import { AlreadyExistsError } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { PasswordPolicy, User, UserPool } from '../model.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { STANDARD_ATTRIBUTES, validateUserAttributes } from './attributes.js';
import { sendCode, type CodeDeliveryDetails } from './codes.js';
import { findUserBySignInName, normaliseKey, signInAliases } from './identity.js';
import { parseUserFilter, toListFilter } from './list-filter.js';
import { setPassword } from './password-reset.js';
import { resolveIdentity } from './sign-up.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'hasher' | 'box' | 'sender'>;

const VERIFIED_FLAGS = ['email_verified', 'phone_number_verified'] as const;

/** Splits the verified flags (an administrator may set them) from the other attributes. */
function splitFlags(attributes: Record<string, string>): { flags: Record<string, string>; rest: Record<string, string> } {
  const flags: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if ((VERIFIED_FLAGS as readonly string[]).includes(name)) {
      if (value !== 'true' && value !== 'false') throw new AppError('InvalidParameter', `Invalid value for attribute ${name}: use true or false.`);
      flags[name] = value;
    } else {
      rest[name] = value;
    }
  }
  return { flags, rest };
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '!#%&*+-=?@^_';

/** A temporary password that satisfies the pool's policy. */
export function generateTemporaryPassword(random: CoreDeps['random'], policy: PasswordPolicy): string {
  const length = Math.max(policy.minimumLength, 12);
  const required = random.fromAlphabet(UPPER, 2) + random.fromAlphabet(LOWER, 2) + random.fromAlphabet(DIGITS, 2) + random.fromAlphabet(SYMBOLS, 2);
  return random.fromAlphabet(UPPER + LOWER + DIGITS, length - required.length) + required;
}

export interface AdminCreateUserInput {
  username: string;
  attributes: Record<string, string>;
  temporaryPassword?: string;
  messageAction?: 'RESEND' | 'SUPPRESS';
  desiredDeliveryMediums?: ('EMAIL' | 'SMS')[];
  forceAliasCreation?: boolean;
}

async function sendInvitation(deps: Deps, pool: UserPool, user: User, signInName: string, password: string, mediums: AdminCreateUserInput['desiredDeliveryMediums']) {
  const email = user.attributes.email;
  if (!email || (mediums && !mediums.includes('EMAIL'))) return;
  const template = pool.settings.passthrough.InviteMessageTemplate as { EmailMessage?: string; EmailSubject?: string } | undefined;
  const text = (template?.EmailMessage ?? 'Your username is {username} and temporary password is {####}.')
    .replaceAll('{username}', signInName)
    .replaceAll('{####}', password);
  try {
    await deps.sender.send({
      channel: 'email',
      to: email, subject: template?.EmailSubject ?? 'Your temporary password', text, kind: 'invitation', poolId: pool.id, username: user.username,
    });
  } catch (error) {
    throw new AppError('CodeDeliveryFailure', 'Unable to deliver the invitation. Try again later.', { cause: error });
  }
}

/** AdminCreateUser: a FORCE_CHANGE_PASSWORD user with a temporary password, invited by email unless SUPPRESS. */
export async function adminCreateUser(deps: Deps & Pick<CoreDeps, 'breachedPasswords'>, pool: UserPool, input: AdminCreateUserInput): Promise<User> {
  const { settings } = pool;
  // A temporary password the administrator chose is still a chosen one; a generated one is random.
  if (input.temporaryPassword !== undefined) assertChosenPassword(deps, settings, input.temporaryPassword);
  const password = input.temporaryPassword ?? generateTemporaryPassword(deps.random, settings.passwordPolicy);

  if (input.messageAction === 'RESEND') {
    const existing = await findUserBySignInName(deps.storage, pool, input.username);
    if (!existing) throw new AppError('UserNotFound', 'User does not exist.');
    if (existing.status !== 'FORCE_CHANGE_PASSWORD') {
      throw new AppError('UnsupportedUserState', `Resend not possible. ${input.username} status is not FORCE_CHANGE_PASSWORD.`);
    }
    const updated = await setPassword(deps, pool, existing, password, 'FORCE_CHANGE_PASSWORD');
    await sendInvitation(deps, pool, updated, input.username, password, input.desiredDeliveryMediums);
    return updated;
  }

  const { flags, rest } = splitFlags(input.attributes);
  validateUserAttributes(settings, rest);
  const identity = resolveIdentity(pool, deps, { username: input.username, attributes: rest });
  const now = deps.clock.now();
  const id = deps.random.uuid();
  const attributes: Record<string, string> = { sub: id, ...identity.attributes };
  if (attributes.email) attributes.email_verified = flags.email_verified ?? 'false';
  if (attributes.phone_number) attributes.phone_number_verified = flags.phone_number_verified ?? 'false';
  const user: User = {
    id, poolId: pool.id, username: settings.usernameAttributes.length > 0 ? id : identity.username, status: 'FORCE_CHANGE_PASSWORD',
    enabled: true, passwordHash: null, attributes, createdAt: now, updatedAt: now, passwordUpdatedAt: now,
  };
  try {
    await writeAliases(deps, pool, user, input, () => deps.storage.users.create(user, normaliseKey(settings, user.username), signInAliases(settings, user)));
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    if (error.key === 'username') throw new AppError('UsernameExists', 'User account already exists');
    // A taken sign-in name (email as username) is a username clash; a taken alias is AliasExists.
    const code = (settings.usernameAttributes as string[]).includes(error.key) ? 'UsernameExists' : 'AliasExists';
    throw new AppError(code, `An account with the given ${error.key} already exists.`);
  }
  const created = await setPassword(deps, pool, user, password, 'FORCE_CHANGE_PASSWORD', { signOutEverywhere: false });
  if (input.messageAction !== 'SUPPRESS') await sendInvitation(deps, pool, created, input.username, password, input.desiredDeliveryMediums);
  return created;
}

/** Ends every session and token of the user, then deletes it with its aliases, memberships and codes. */
export async function adminDeleteUser(deps: Deps, pool: UserPool, user: User): Promise<void> {
  await signOutEverywhere(deps, pool, user);
  await deps.storage.users.delete(pool.id, user.id);
}

/** Writes new attributes, after checking that the sign-in aliases they make are free. */
async function saveAttributes(deps: Deps, pool: UserPool, user: User, attributes: Record<string, string>): Promise<User> {
  return saveUserWithAliases(deps, pool, user, (u) => ({ ...u, attributes }));
}

function customDefinition(pool: UserPool, name: string) {
  return pool.settings.schema.find((a) => `custom:${a.name}` === name || `dev:${a.name}` === name);
}

/**
 * AdminUpdateUserAttributes: a changed email or phone number is unverified unless the call
 * verifies it; an unverified new email gets a code when the pool auto-verifies email.
 */
export async function adminUpdateUserAttributes(deps: Deps, pool: UserPool, user: User, input: Record<string, string>): Promise<User> {
  const { flags, rest } = splitFlags(input);
  validateUserAttributes(pool.settings, rest);
  for (const name of Object.keys(rest)) {
    if (customDefinition(pool, name)?.mutable === false) throw new AppError('InvalidParameter', `Cannot modify the non-mutable attribute ${name}`);
  }
  const attributes = { ...user.attributes, ...rest };
  for (const attr of ['email', 'phone_number'] as const) {
    if (rest[attr] !== undefined && rest[attr] !== user.attributes[attr]) attributes[`${attr}_verified`] = 'false';
  }
  Object.assign(attributes, flags);
  for (const attr of ['email', 'phone_number'] as const) {
    if (!attributes[attr]) delete attributes[`${attr}_verified`];
  }
  const updated = await saveAttributes(deps, pool, user, attributes);
  const emailChanged = rest.email !== undefined && rest.email !== user.attributes.email;
  if (emailChanged && updated.attributes.email_verified !== 'true' && pool.settings.autoVerifiedAttributes.includes('email')) {
    await sendCode(deps, pool, updated, 'verify_email');
  }
  return updated;
}

/** AdminDeleteUserAttributes: required attributes, sub and the username attribute cannot go. */
export async function adminDeleteUserAttributes(deps: Deps, pool: UserPool, user: User, names: string[]): Promise<User> {
  const attributes = { ...user.attributes };
  for (const name of names) {
    const known = (STANDARD_ATTRIBUTES as readonly string[]).includes(name) || (VERIFIED_FLAGS as readonly string[]).includes(name) || customDefinition(pool, name);
    if (!known) throw new AppError('InvalidParameter', `Attribute does not exist in the schema: ${name}`);
    if (name === 'sub' || (pool.settings.usernameAttributes as string[]).includes(name)) {
      throw new AppError('InvalidParameter', `Cannot delete the attribute ${name}.`);
    }
    if (pool.settings.schema.some((a) => a.required && a.name === name)) throw new AppError('InvalidParameter', `Cannot delete the required attribute ${name}.`);
    if (customDefinition(pool, name)?.mutable === false) throw new AppError('InvalidParameter', `Cannot modify the non-mutable attribute ${name}`);
    delete attributes[name];
    if (name === 'email' || name === 'phone_number') delete attributes[`${name}_verified`];
  }
  return saveAttributes(deps, pool, user, attributes);
}

/**
 * AdminResetUserPassword: the password stops working (RESET_REQUIRED), every session ends, and a
 * reset code goes to the verified email, which the user redeems with ConfirmForgotPassword.
 */
export async function adminResetUserPassword(deps: Deps, pool: UserPool, user: User): Promise<CodeDeliveryDetails | undefined> {
  if (user.status === 'UNCONFIRMED') throw new AppError('NotAuthorized', 'User password cannot be reset in the current state.');
  const updated = await deps.storage.users.update(pool.id, user.id, (u) => ({ ...u, status: 'RESET_REQUIRED', updatedAt: deps.clock.now() }));
  await deps.storage.tokens.revokeFamiliesOfUser(pool.id, user.id, deps.clock.now());
  await deps.storage.sessions.deleteForUser(pool.id, user.id);
  if (updated.attributes.email && updated.attributes.email_verified === 'true') return sendCode(deps, pool, updated, 'forgot_password');
  return undefined;
}

const encodeToken = (cursor: string) => Buffer.from(cursor, 'utf8').toString('base64url');
function decodeToken(token: string): string {
  if (!/^[\w-]+$/.test(token)) throw new AppError('InvalidParameter', 'Invalid pagination token.');
  const cursor = Buffer.from(token, 'base64url').toString('utf8');
  // The cursor is a username key, which never holds NUL (and PostgreSQL cannot even compare one).
  if (cursor.includes('\u0000')) throw new AppError('InvalidParameter', 'Invalid pagination token.');
  return cursor;
}

/** ListUsers: pages of up to `limit` users matching the filter, in a stable order. */
export async function listUsers(
  deps: Pick<Deps, 'storage'>,
  pool: UserPool,
  input: { limit: number; paginationToken?: string; filter?: string },
): Promise<{ users: User[]; paginationToken?: string }> {
  const parsed = parseUserFilter(input.filter);
  const after = input.paginationToken === undefined ? undefined : decodeToken(input.paginationToken);
  const filter = parsed && toListFilter(pool.settings, parsed);
  if (filter === 'none') return { users: [] };
  const page = await deps.storage.users.list(pool.id, { after, limit: input.limit, filter });
  return { users: page.users, ...(page.next !== undefined ? { paginationToken: encodeToken(page.next) } : {}) };
}
