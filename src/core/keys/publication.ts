import type { SigningKey } from '../model.js';

export const KEY_PURPOSES = ['id', 'access'] as const;

/**
 * Whether a key belongs in the pool's JWKS: while it signs, and once retired until every token it
 * signed has expired. Verification follows the same rule, so what verifies is what is published.
 */
export const isPublished = (key: Pick<SigningKey, 'status' | 'publishUntil'>, now: number): boolean =>
  key.status === 'active' || (key.publishUntil !== undefined && key.publishUntil > now);
