/** What a signed-in user does with their own access token (GetUser, ChangePassword, GlobalSignOut). */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { requirePool } from '../pools/lookup.js';
import { assertChosenPassword } from '../pools/password-policy.js';
import { requireLiveAccessToken } from '../tokens/families.js';
import { signOutEverywhere } from '../users/admin-users.js';
import { setPassword } from '../users/password-reset.js';
import { API_SCOPES } from './api-sign-in.js';

type Deps = Pick<CoreDeps, 'storage' | 'signer' | 'clock' | 'hasher' | 'box'>;

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

export async function changePassword(deps: Deps & Pick<CoreDeps, 'breachedPasswords'>, accessToken: string | undefined, previous: string, proposed: string): Promise<void> {
  const { pool, user } = await requireTokenUser(deps, accessToken);
  if (!user.passwordHash || !(await deps.hasher.verify(user.passwordHash, previous))) {
    throw new AppError('NotAuthorized', 'Incorrect username or password.');
  }
  assertChosenPassword(deps, pool.settings, proposed);
  // Like Cognito, changing a password keeps the caller's tokens; a reset ends them.
  await setPassword(deps, pool, user, proposed, user.status, { signOutEverywhere: false });
}

export async function globalSignOut(deps: Deps, accessToken: string | undefined): Promise<void> {
  const { pool, user } = await requireTokenUser(deps, accessToken);
  await signOutEverywhere(deps, pool, user);
}
