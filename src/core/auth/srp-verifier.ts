import type { CoreDeps } from '../deps.js';
import type { User, UserPool } from '../model.js';
import { computeVerifier } from './srp.js';

/** SRP's "pool name": the part of the pool id after the underscore. */
export const srpPoolName = (poolId: string) => poolId.slice(poolId.indexOf('_') + 1);

/** Derives and stores (sealed) the user's SRP verifier; called wherever a password is set. */
export async function storeSrpVerifier(deps: Pick<CoreDeps, 'storage' | 'box' | 'clock'>, pool: UserPool, user: User, password: string): Promise<void> {
  if (!srpEnabled(pool)) return;
  const { salt, verifier } = computeVerifier(srpPoolName(pool.id), user.username, password);
  await deps.storage.srpVerifiers.put({
    poolId: pool.id, userId: user.id, salt, verifierSealed: deps.box.seal(verifier), updatedAt: deps.clock.now(),
  });
}

export const srpEnabled = (pool: UserPool) => pool.settings.srpEnabled !== false;
