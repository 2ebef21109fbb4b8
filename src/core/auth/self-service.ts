/** What a signed-in user does with their own access token (GetUser, ChangePassword, GlobalSignOut). */
import { AppError } from '../../errors/app-error.js';
import { audited, type AuditSubject } from '../audit/record.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { requirePool } from '../pools/lookup.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { requireLiveAccessToken } from '../tokens/families.js';
import { signOutEverywhere } from '../users/admin-users.js';
import { setPassword } from '../users/password-reset.js';
import { API_SCOPES } from './api-sign-in.js';

type Deps = Pick<CoreDeps, 'storage' | 'signer' | 'clock' | 'hasher' | 'box'>;
type AuditedDeps = Deps & Pick<CoreDeps, 'audit' | 'issuer' | 'breachedPasswords'>;

/** The user behind an access token that carries aws.cognito.signin.user.admin. */
export async function requireTokenUser(deps: Deps, accessToken: string | undefined): Promise<{ pool: UserPool; user: User; clientId: string }> {
  if (!accessToken) throw new AppError('NotAuthorized', 'Invalid Access Token');
  let live;
  try {
    live = await requireLiveAccessToken(deps, accessToken);
  } catch (error) {
    if (error instanceof AppError && error.code === 'InvalidToken') {
      const message = /expired/.test(error.message) ? 'Access Token has expired' : /revoked/.test(error.message) ? 'Access Token has been revoked' : 'Invalid Access Token';
      throw new AppError('NotAuthorized', message);
    }
    throw error;
  }
  const scopes = typeof live.payload.scope === 'string' ? live.payload.scope.split(' ') : [];
  if (!API_SCOPES.every((s) => scopes.includes(s))) throw new AppError('NotAuthorized', 'Access Token does not have required scopes');
  return { pool: await requirePool(deps, live.poolId), user: live.user, clientId: live.family.clientId };
}

/** The user behind the token, noted on the audit subject as soon as it is known. */
async function tokenUserFor(deps: Deps, accessToken: string | undefined, event: AuditSubject) {
  const found = await requireTokenUser(deps, accessToken);
  Object.assign(event, { poolId: found.pool.id, userId: found.user.id, username: found.user.username, clientId: found.clientId });
  return found;
}

/**
 * The pool a token says it is from, before it is verified, so a refused token is still recorded
 * under a pool ('' when it names none of ours). Only `tokenUserFor` attaches a user, after verifying.
 */
function claimedPoolOf(deps: Pick<CoreDeps, 'issuer'>, accessToken: string | undefined): string {
  try {
    const payload = JSON.parse(Buffer.from(accessToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return (typeof payload.iss === 'string' && deps.issuer.poolIdOf(payload.iss)) || '';
  } catch {
    return '';
  }
}

export async function changePassword(deps: AuditedDeps, accessToken: string | undefined, previous: string, proposed: string): Promise<void> {
  return audited(deps, { type: 'PasswordChange', poolId: claimedPoolOf(deps, accessToken) }, async (event) => {
    const { pool, user } = await tokenUserFor(deps, accessToken, event);
    if (!user.passwordHash || !(await deps.hasher.verify(user.passwordHash, previous))) {
      throw new AppError('NotAuthorized', 'Incorrect username or password.');
    }
    assertChosenPassword(deps, pool.settings, proposed);
    // Like Cognito, changing a password keeps the caller's tokens; a reset ends them.
    await setPassword(deps, pool, user, proposed, user.status, { signOutEverywhere: false });
  });
}

export async function globalSignOut(deps: AuditedDeps, accessToken: string | undefined): Promise<void> {
  return audited(deps, { type: 'GlobalSignOut', poolId: claimedPoolOf(deps, accessToken) }, async (event) => {
    const { pool, user } = await tokenUserFor(deps, accessToken, event);
    await signOutEverywhere(deps, pool, user);
  });
}
