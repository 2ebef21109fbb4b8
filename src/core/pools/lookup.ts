import { AppError } from '../../errors/app-error.js';
import type { StoredClient } from '../../storage/storage.js';
import type { CoreDeps } from '../deps.js';
import type { Client, UserPool } from '../model.js';

export async function requirePool(deps: Pick<CoreDeps, 'storage'>, poolId: string): Promise<UserPool> {
  const pool = await deps.storage.pools.get(poolId);
  if (!pool) throw new AppError('ResourceNotFound', `User pool ${poolId} does not exist.`);
  return pool;
}

export function openClient(box: CoreDeps['box'], stored: StoredClient): Client {
  const { secretSealed, ...rest } = stored;
  return secretSealed ? { ...rest, secret: box.open(secretSealed) } : rest;
}

/** The client and its pool, or undefined when the id is unknown. */
export async function findClient(deps: Pick<CoreDeps, 'storage' | 'box'>, clientId: string): Promise<{ client: Client; pool: UserPool } | undefined> {
  if (!clientId || clientId.length > 128) return undefined;
  const stored = await deps.storage.clients.get(clientId);
  if (!stored) return undefined;
  const pool = await deps.storage.pools.get(stored.poolId);
  if (!pool) return undefined;
  return { client: openClient(deps.box, stored), pool };
}
