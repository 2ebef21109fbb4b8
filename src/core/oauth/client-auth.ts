import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, UserPool } from '../model.js';
import { findClient } from '../pools/lookup.js';

export function secretsEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length buffers, so the comparison time says nothing about length.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Authenticates a client at the token and revocation endpoints: a client with a secret must
 * present it (Basic or body); a public client must not claim one.
 */
export async function authenticateClient(
  deps: Pick<CoreDeps, 'storage' | 'box'>,
  clientId: string | undefined,
  clientSecret: string | undefined,
): Promise<{ client: Client; pool: UserPool }> {
  const found = clientId ? await findClient(deps, clientId) : undefined;
  if (!found) throw new AppError('InvalidClient', 'Client authentication failed.');
  const { client } = found;
  if (client.secret === undefined) {
    if (clientSecret) throw new AppError('InvalidClient', 'Client authentication failed: this client has no secret.');
  } else if (!clientSecret || !secretsEqual(clientSecret, client.secret)) {
    throw new AppError('InvalidClient', 'Client authentication failed.');
  }
  return found;
}
