/** Sign-in through the Cognito API (InitiateAuth / RespondToAuthChallenge), on the same core as the hosted pages. */
import { AppError } from '../../errors/app-error.js';
import { audited } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { Client, MfaType, RefreshToken, User, UserPool } from '../model.js';
import { amrFor } from '../mfa/factors.js';
import { checkFactor, secondFactorStep, startFactor } from '../mfa/second-factor.js';
import { associateSoftwareToken, verifySoftwareToken } from '../mfa/software-token.js';
import { issueSignInTokens, refreshSignIn, type SignInTokens } from '../tokens/families.js';
import { requireSecretHashSent, verifySecretHash } from './secret-hash.js';
import { authenticatePassword, signInState } from '../users/authenticate.js';
import { missingRequiredAttributes } from '../users/attributes.js';
import { completeNewPassword } from '../users/new-password.js';
import {
  consumeChallengeSession,
  failChallengeSession,
  openChallengeSession,
  sealChallengeSession,
  type OpenedChallengeSession,
} from './challenge-session.js';
import { recordSignIn, signInSucceeded } from './sign-in-events.js';

/** The access token scope of every token the API issues, as in Cognito. */
export const API_SCOPES = ['aws.cognito.signin.user.admin'];

export type ApiAuthResult =
  | { kind: 'tokens'; tokens: SignInTokens; withRefreshToken: boolean }
  | { kind: 'challenge'; challengeName: string; session?: string; parameters: Record<string, string> };

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer' | 'issuer' | 'hasher' | 'sender' | 'totp' | 'audit'>;

const MFA_CHALLENGES: Record<string, MfaType> = { SMS_MFA: 'SMS_MFA', SOFTWARE_TOKEN_MFA: 'SOFTWARE_TOKEN_MFA' };

export function requireAuthFlow(client: Client, flow: string): void {
  const allowed = client.settings.explicitAuthFlows;
  const legacy: Record<string, string> = { ALLOW_USER_PASSWORD_AUTH: 'USER_PASSWORD_AUTH', ALLOW_ADMIN_USER_PASSWORD_AUTH: 'ADMIN_NO_SRP_AUTH' };
  if (!allowed.includes(flow) && !(legacy[flow] && allowed.includes(legacy[flow]))) {
    throw new AppError('InvalidParameter', `${flow.replace(/^ALLOW_/, '')} flow not enabled for this client`);
  }
}

/** The end of every successful sign-in: recorded, then tokens. */
async function signInTokens(deps: Deps, pool: UserPool, client: Client, user: User, amr: string[]): Promise<ApiAuthResult> {
  await signInSucceeded(deps, { pool, client, user, amr });
  const tokens = await issueSignInTokens(deps, {
    pool, client, user, scopes: API_SCOPES, authTime: deps.clock.now(), amr, withIdToken: true, withRefreshToken: true,
  });
  return { kind: 'tokens', tokens, withRefreshToken: true };
}

function challenge(deps: Deps, pool: UserPool, client: Client, user: User, name: string, parameters: Record<string, string>, state?: Record<string, string>): ApiAuthResult {
  return {
    kind: 'challenge',
    challengeName: name,
    session: sealChallengeSession(deps, { challenge: name, poolId: pool.id, clientId: client.id, userId: user.id, state }, client.settings.authSessionValidityMinutes),
    parameters: { USER_ID_FOR_SRP: user.username, ...parameters },
  };
}

/**
 * What follows a proven password (or SRP proof), by account state and then MFA: tokens, or the
 * next challenge. Cognito's order: status (NEW_PASSWORD_REQUIRED) before MFA.
 */
export async function afterFirstFactor(deps: Deps, pool: UserPool, client: Client, user: User): Promise<ApiAuthResult> {
  const state = signInState(deps, pool, user);
  if (state.kind === 'new_password_required') return newPasswordChallenge(deps, pool, client, user);
  return secondFactorOrTokens(deps, pool, client, user);
}

async function secondFactorOrTokens(deps: Deps, pool: UserPool, client: Client, user: User): Promise<ApiAuthResult> {
  const step = await secondFactorStep(deps, pool, user);
  switch (step.kind) {
    case 'done':
      return signInTokens(deps, pool, client, user, step.amr);
    case 'challenge':
      return factorChallenge(deps, pool, client, user, step.factor);
    case 'select':
      return challenge(deps, pool, client, user, 'SELECT_MFA_TYPE', { MFAS_CAN_CHOOSE: JSON.stringify(step.options) }, { options: step.options.join(' ') });
    case 'setup':
      return challenge(deps, pool, client, user, 'MFA_SETUP', { MFAS_CAN_SETUP: JSON.stringify(step.options) });
  }
}

async function factorChallenge(deps: Deps, pool: UserPool, client: Client, user: User, factor: MfaType): Promise<ApiAuthResult> {
  const delivery = await startFactor(deps, pool, user, factor);
  const parameters: Record<string, string> = delivery
    ? { CODE_DELIVERY_DELIVERY_MEDIUM: delivery.medium, CODE_DELIVERY_DESTINATION: delivery.destination }
    : {};
  return challenge(deps, pool, client, user, factor, parameters);
}

/** USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH. */
export async function passwordSignIn(deps: Deps, pool: UserPool, client: Client, username: string, password: string): Promise<ApiAuthResult> {
  let user: User;
  try {
    user = (await authenticatePassword(deps, pool, username, password)).user;
  } catch (error) {
    await recordSignIn(deps, { pool, client, username, outcome: 'Fail', error, factor: 'Password' });
    throw error;
  }
  return afterFirstFactor(deps, pool, client, user);
}

export function newPasswordChallenge(deps: Deps, pool: UserPool, client: Client, user: User): ApiAuthResult {
  const { sub: _sub, email_verified: _ev, phone_number_verified: _pv, ...visible } = user.attributes;
  return challenge(deps, pool, client, user, 'NEW_PASSWORD_REQUIRED', {
    requiredAttributes: JSON.stringify(missingRequiredAttributes(pool.settings, user.attributes).map((a) => `userAttributes.${a}`)),
    userAttributes: JSON.stringify(visible),
  });
}

async function openFor(deps: Deps, pool: UserPool, client: Client, sessionText: string | undefined, challengeName: string): Promise<OpenedChallengeSession> {
  const session = await openChallengeSession(deps, sessionText, { challenge: challengeName, clientId: client.id });
  if (session.poolId !== pool.id) throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  return session;
}

/** The user an MFA session speaks for, if they may still sign in (an admin may have disabled or reset them meanwhile). */
async function sessionUser(deps: Deps, session: OpenedChallengeSession): Promise<User> {
  const user = await deps.storage.users.get(session.poolId, session.userId);
  if (!user || !user.enabled || user.status !== 'CONFIRMED') throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  return user;
}

/** RespondToAuthChallenge NEW_PASSWORD_REQUIRED; MFA follows, as in Cognito. */
export async function respondNewPassword(
  deps: Deps & Pick<CoreDeps, 'breachedPasswords'>, pool: UserPool, client: Client, sessionText: string | undefined, newPassword: string | undefined, attributes: Record<string, string>,
): Promise<ApiAuthResult> {
  const session = await openFor(deps, pool, client, sessionText, 'NEW_PASSWORD_REQUIRED');
  if (!newPassword) throw new AppError('InvalidParameter', 'Missing required parameter NEW_PASSWORD');
  // A password refused by the policy may be tried again with the same session; a success uses it up.
  const user = await audited(deps, { type: 'PasswordChange', poolId: pool.id, clientId: client.id, userId: session.userId },
    () => completeNewPassword(deps, pool, session.userId, newPassword, attributes));
  await consumeChallengeSession(deps, session);
  return secondFactorOrTokens(deps, pool, client, user);
}

/** RespondToAuthChallenge SMS_MFA / SOFTWARE_TOKEN_MFA. */
export async function respondMfaCode(
  deps: Deps, pool: UserPool, client: Client, challengeName: string, sessionText: string | undefined, responses: Record<string, string>,
): Promise<ApiAuthResult> {
  const factor = MFA_CHALLENGES[challengeName]!;
  const session = await openFor(deps, pool, client, sessionText, factor);
  const user = await sessionUser(deps, session);
  let amr: string[];
  try {
    amr = await checkFactor(deps, pool, user, factor, factor === 'SMS_MFA' ? responses.SMS_MFA_CODE : responses.SOFTWARE_TOKEN_MFA_CODE);
  } catch (error) {
    if (error instanceof AppError && error.code === 'CodeMismatch') await failChallengeSession(deps, session);
    await recordSignIn(deps, { pool, client, user, outcome: 'Fail', error, factor: 'Mfa' });
    throw error;
  }
  await consumeChallengeSession(deps, session);
  return signInTokens(deps, pool, client, user, amr);
}

/** RespondToAuthChallenge SELECT_MFA_TYPE: the chosen factor's challenge, with a new session. */
export async function respondSelectMfaType(deps: Deps, pool: UserPool, client: Client, sessionText: string | undefined, answer: string | undefined): Promise<ApiAuthResult> {
  const session = await openFor(deps, pool, client, sessionText, 'SELECT_MFA_TYPE');
  const options = (session.state?.options ?? '').split(' ');
  const factor = answer ? MFA_CHALLENGES[answer] : undefined;
  if (!factor || !options.includes(factor)) throw new AppError('InvalidParameter', `ANSWER must be one of ${options.join(', ')}`);
  const user = await sessionUser(deps, session);
  await consumeChallengeSession(deps, session);
  return factorChallenge(deps, pool, client, user, factor);
}

/** RespondToAuthChallenge MFA_SETUP, with the session VerifySoftwareToken returned. */
export async function respondMfaSetup(deps: Deps, pool: UserPool, client: Client, sessionText: string | undefined): Promise<ApiAuthResult> {
  const session = await openFor(deps, pool, client, sessionText, 'MFA_SETUP');
  if (session.state?.verified !== '1') throw new AppError('InvalidParameter', 'Call AssociateSoftwareToken and VerifySoftwareToken with this session first.');
  const user = await sessionUser(deps, session);
  await consumeChallengeSession(deps, session);
  return signInTokens(deps, pool, client, user, amrFor('SOFTWARE_TOKEN_MFA'));
}

/** The pool, client and user of an MFA_SETUP session (AssociateSoftwareToken and VerifySoftwareToken carry no ClientId). */
async function setupContext(deps: Deps, sessionText: string | undefined) {
  const session = await openChallengeSession(deps, sessionText, { challenge: 'MFA_SETUP', clientId: undefined });
  const pool = await deps.storage.pools.get(session.poolId);
  const stored = await deps.storage.clients.get(session.clientId);
  if (!pool || !stored || stored.poolId !== pool.id) throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  return { session, pool, client: { ...stored, secret: undefined } as Client, user: await sessionUser(deps, session) };
}

/** AssociateSoftwareToken with a Session (during MFA_SETUP): the secret, and the session to verify with. */
export async function associateWithSession(deps: Deps, sessionText: string | undefined): Promise<{ secret: string; session: string }> {
  const { session, pool, client, user } = await setupContext(deps, sessionText);
  await consumeChallengeSession(deps, session);
  const { secret } = await associateSoftwareToken(deps, pool, user);
  const next = challenge(deps, pool, client, user, 'MFA_SETUP', {});
  return { secret, session: next.kind === 'challenge' ? next.session! : '' };
}

/** VerifySoftwareToken with a Session: turns TOTP on and returns the session that finishes MFA_SETUP. */
export async function verifyWithSession(deps: Deps, sessionText: string | undefined, code: string): Promise<{ session: string }> {
  const { session, pool, client, user } = await setupContext(deps, sessionText);
  try {
    await verifySoftwareToken(deps, pool, user, code);
  } catch (error) {
    if (error instanceof AppError && error.code === 'EnableSoftwareTokenMfa') await failChallengeSession(deps, session);
    throw error;
  }
  await consumeChallengeSession(deps, session);
  await recordMfaChange(deps, pool, user, client.id);
  const next = challenge(deps, pool, client, user, 'MFA_SETUP', {}, { verified: '1' });
  return { session: next.kind === 'challenge' ? next.session! : '' };
}

export async function recordMfaChange(deps: Pick<CoreDeps, 'audit'>, pool: UserPool, user: User, clientId?: string): Promise<void> {
  await deps.audit.record({ type: 'MfaChange', poolId: pool.id, userId: user.id, username: user.username, clientId, outcome: 'Pass' });
}

/**
 * REFRESH_TOKEN_AUTH: new ID and access tokens; the refresh token itself is not returned. A client
 * with a secret proves it with SECRET_HASH over the token owner's username (or `sub`), as Cognito
 * has it computed for refreshes; the name the user signed in with is not accepted.
 */
export async function refreshTokenSignIn(
  deps: Deps, pool: UserPool, client: Client, params: { refreshToken?: string; secretHash?: string }, stored: RefreshToken | undefined,
): Promise<ApiAuthResult> {
  if (!params.refreshToken) throw new AppError('InvalidParameter', 'Missing required parameter REFRESH_TOKEN');
  requireSecretHashSent(client, params.secretHash);
  const tokens = await refreshSignIn(deps, pool, client, stored, (user) => verifySecretHash(client, params.secretHash, [user.username, user.id]));
  return { kind: 'tokens', tokens, withRefreshToken: tokens.refreshToken !== undefined };
}
