/** Signing-key rotation: a new key per purpose signs from now on; the old one stays published while its tokens live. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { KeyPurpose, SigningKey } from '../model.js';
import { requirePool } from '../pools/lookup.js';
import { isPublished, KEY_PURPOSES } from './publication.js';

/**
 * Added to the longest token validity. It covers verifiers whose clock runs behind, and instances
 * that keep signing with the old key until their next refresh (at most 10 s after the rotation).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface KeyInfo {
  kid: string;
  purpose: KeyPurpose;
  status: SigningKey['status'];
  createdAt: number;
  retiredAt?: number;
  publishUntil?: number;
  /** In the JWKS now (active, or retired and still within publishUntil). */
  published: boolean;
}

export interface KeyRotationResult {
  poolId: string;
  created: KeyInfo[];
  retired: KeyInfo[];
  /** Retired keys past their publication, removed by this rotation. */
  deleted: string[];
  /** Every key of the pool after the rotation, newest first. */
  keys: KeyInfo[];
}

type KeyDeps = Pick<CoreDeps, 'storage' | 'clock' | 'signer' | 'box'>;

const infoOf = (key: SigningKey, now: number): KeyInfo => ({
  kid: key.kid, purpose: key.purpose, status: key.status, createdAt: key.createdAt, retiredAt: key.retiredAt,
  publishUntil: key.publishUntil, published: isPublished(key, now),
});

export async function listSigningKeys(deps: Pick<CoreDeps, 'storage' | 'clock'>, poolId: string): Promise<KeyInfo[]> {
  await requirePool(deps, poolId);
  const now = deps.clock.now();
  return (await deps.storage.signingKeys.listForPool(poolId)).map((k) => infoOf(k, now));
}

/** How long a key retired now must stay published: the longest access or ID token any client of the pool gets, plus skew. */
export async function publicationWindow(deps: Pick<CoreDeps, 'storage'>, poolId: string): Promise<number> {
  const clients = await deps.storage.clients.listByPool(poolId);
  const longestSeconds = Math.max(0, ...clients.map((c) => Math.max(c.settings.validity.accessToken, c.settings.validity.idToken)));
  return longestSeconds * 1000 + CLOCK_SKEW_MS;
}

export async function rotateSigningKeys(deps: KeyDeps, poolId: string, purposes: readonly KeyPurpose[] = KEY_PURPOSES): Promise<KeyRotationResult> {
  await requirePool(deps, poolId);
  const current = await deps.storage.signingKeys.listForPool(poolId);
  // A key sealed under another master key could never be opened by the server: better to refuse
  // than to make a signer nobody can use (an operator command run with the wrong key or file).
  for (const key of current.filter((k) => k.status === 'active')) {
    try {
      deps.box.open(key.privateJwkSealed);
    } catch (error) {
      throw new AppError('Internal', 'The master key does not open this user pool\'s signing keys: use the OPENPOOL_SECRET_KEY or key file the server uses.', { cause: error, expose: true });
    }
  }
  const window = await publicationWindow(deps, poolId);
  const fresh = await Promise.all([...new Set(purposes)].map((purpose) => deps.signer.generateKey(poolId, purpose)));
  const now = deps.clock.now();
  const { retired, deleted } = await deps.storage.signingKeys.rotate(poolId, fresh, now, now + window);
  deps.signer.refresh(poolId);
  const keys = (await deps.storage.signingKeys.listForPool(poolId)).map((k) => infoOf(k, now));
  return { poolId, created: fresh.map((k) => infoOf(k, now)), retired: retired.map((k) => infoOf(k, now)), deleted, keys };
}
