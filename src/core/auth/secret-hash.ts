import { createHmac } from 'node:crypto';
import { AppError } from '../../errors/app-error.js';
import type { Client } from '../model.js';
import { secretsEqual } from '../oauth/client-auth.js';

export const secretHashOf = (clientSecret: string, username: string, clientId: string) =>
  createHmac('sha256', clientSecret).update(username + clientId).digest('base64');

/**
 * The part of the check that needs no username: a refresh names its user only through the token,
 * so a missing hash is refused before the token is looked up and the hash checked after.
 */
export function requireSecretHashSent(client: Client, secretHash: string | undefined): void {
  if (client.secret !== undefined && !secretHash) throw secretNotReceived(client);
}

const secretNotReceived = (client: Client) =>
  new AppError('NotAuthorized', `Client ${client.id} is configured for secret but secret was not received`);

/**
 * SECRET_HASH = Base64(HMAC-SHA256(client secret, username + client id)), required for clients
 * that have a secret. Any of the given names (what the caller typed, or the real username) may
 * have been used, as Cognito accepts both.
 */
export function verifySecretHash(client: Client, secretHash: string | undefined, usernames: (string | undefined)[]): void {
  if (client.secret === undefined) return;
  if (!secretHash) throw secretNotReceived(client);
  const ok = usernames.some((u) => u !== undefined && secretsEqual(secretHashOf(client.secret!, u, client.id), secretHash));
  if (!ok) throw new AppError('NotAuthorized', `Unable to verify secret hash for client ${client.id}`);
}
