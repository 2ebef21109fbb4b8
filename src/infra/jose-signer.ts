import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { isPublished, KEY_PURPOSES } from '../core/keys/publication.js';
import type { KeyPurpose, SigningKey } from '../core/model.js';
import type { Clock, Issuer, Jwks, SecretBox, TokenSigner } from '../core/ports.js';
import type { SigningKeyStore } from '../storage/storage.js';
import { Rs256SigningKey } from './rs256-sign.js';

interface PoolKeys {
  signing: Partial<Record<KeyPurpose, Rs256SigningKey>>;
  /** The published keys: what verifies is what the JWKS lists. */
  verifying: Map<string, CryptoKey>;
  jwks: Jwks;
}

interface CacheEntry {
  keys: Promise<PoolKeys>;
  /** When the read behind `keys` started. */
  loadedAt: number;
  /** The last settled load, whose parsed keys the next load reuses. */
  settled?: PoolKeys;
}

/**
 * How often the keys are re-read from storage. Another instance (or the CLI) may have rotated
 * them; re-reading this often is how every instance sharing the database switches within 30 s.
 */
export const KEY_REFRESH_MS = 10_000;
/** How soon an unknown kid may trigger another reload (a token signed by an instance that switched first). */
const RELOAD_AFTER_MS = 5_000;
/**
 * How many verified tokens are remembered. An app presents one access token for its whole life
 * (userInfo, GetUser, its own API calls), and the RSA verification through WebCrypto was a fifth
 * of a userInfo request's CPU. About 1 KB each (2 MB when full); the oldest is dropped first.
 */
export const VERIFIED_TOKENS_KEPT = 2_000;

interface VerifiedEntry {
  poolId: string;
  kid: string;
  /** The key that verified it: the entry holds only while the pool still publishes this very key. */
  key: CryptoKey;
  payload: Readonly<Record<string, unknown>>;
  exp: number;
}

const sameKids = (a: Jwks, b: Jwks) => a.keys.length === b.keys.length && a.keys.every((k, i) => k.kid === b.keys[i]!.kid);

/**
 * RS256 signing with each pool's persisted RSA keys, as Cognito does: one key for ID tokens and
 * one for access tokens. Private keys are stored sealed. A key is parsed once and reused across
 * refreshes; the JWKS object stays the same while its key set does, so HTTP caches keyed on it
 * (and their ETags) change exactly when a key is added or dropped.
 */
export function createJoseSigner(deps: { keys: SigningKeyStore; box: SecretBox; clock: Clock; issuer: Issuer }): TokenSigner {
  const cache = new Map<string, CacheEntry>();
  /** By SHA-256 of the token, so no bearer token is kept in memory. Only fully verified tokens go in. */
  const verified = new Map<string, VerifiedEntry>();

  function remember(digest: string, entry: VerifiedEntry) {
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(digest, entry);
  }

  async function load(poolId: string, previous: PoolKeys | undefined): Promise<PoolKeys> {
    const now = deps.clock.now();
    const rows = (await deps.keys.listForPool(poolId)).filter((row) => isPublished(row, now));
    const signing: PoolKeys['signing'] = {};
    const verifying = new Map<string, CryptoKey>();
    const jwks: Jwks = { keys: [] };
    for (const row of rows) {
      verifying.set(row.kid, previous?.verifying.get(row.kid) ?? ((await importJWK(row.publicJwk as JWK, 'RS256')) as CryptoKey));
      jwks.keys.push({ ...row.publicJwk, alg: 'RS256', kid: row.kid, use: 'sig' });
      if (row.status === 'active' && !signing[row.purpose]) {
        const known = previous?.signing[row.purpose];
        if (known?.kid === row.kid) {
          signing[row.purpose] = known;
        } else {
          signing[row.purpose] = new Rs256SigningKey(row.kid, JSON.parse(deps.box.open(row.privateJwkSealed)) as JWK);
        }
      }
    }
    return { signing, verifying, jwks: previous && sameKids(previous.jwks, jwks) ? previous.jwks : jwks };
  }

  function keysOf(poolId: string, fresh = false): Promise<PoolKeys> {
    const now = deps.clock.now();
    const current = cache.get(poolId);
    if (current && !fresh && now - current.loadedAt < KEY_REFRESH_MS) return current.keys;
    const entry: CacheEntry = { keys: load(poolId, current?.settled), loadedAt: now };
    cache.set(poolId, entry);
    entry.keys.then(
      (keys) => {
        entry.settled = keys;
        // Unknown pools are not remembered, so random ids cannot grow the cache.
        if (keys.jwks.keys.length === 0 && cache.get(poolId) === entry) cache.delete(poolId);
      },
      () => cache.get(poolId) === entry && cache.delete(poolId),
    );
    return entry.keys;
  }

  const signer: TokenSigner = {
    async generateKey(poolId, purpose) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const privateJwk = await exportJWK(privateKey);
      const key: SigningKey = {
        kid: await calculateJwkThumbprint(publicJwk), poolId, purpose, algorithm: 'RS256', status: 'active', createdAt: deps.clock.now(),
        privateJwkSealed: deps.box.seal(JSON.stringify(privateJwk)),
        publicJwk: { kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e },
      };
      return key;
    },

    refresh(poolId) {
      // Stale rather than gone: the next load still reuses the keys already parsed.
      const entry = cache.get(poolId);
      if (entry) entry.loadedAt = Number.NEGATIVE_INFINITY;
    },

    async ensureKeys(poolId) {
      const current = await keysOf(poolId, true);
      const missing = KEY_PURPOSES.filter((p) => !current.signing[p]);
      if (missing.length === 0) return;
      for (const purpose of missing) await deps.keys.createIfAbsent(await signer.generateKey(poolId, purpose));
      await keysOf(poolId, true);
    },

    async sign(poolId, purpose, claims) {
      let keys = await keysOf(poolId);
      if (!keys.signing[purpose]) keys = await keysOf(poolId, true);
      const signing = keys.signing[purpose];
      if (!signing) throw new AppError('Internal', `user pool ${poolId} has no ${purpose} signing key`);
      return signing.sign(claims);
    },

    async verify(token) {
      const invalid = (why: string, cause?: unknown) => new AppError('InvalidToken', why, { cause });
      const digest = createHash('sha256').update(token).digest('base64');
      const known = verified.get(digest);
      if (known) {
        // What could have changed since it verified: the time, and the pool's published keys.
        // Expired exactly as jose judges it (exp <= now, in whole seconds, no tolerance).
        if (known.exp <= Math.floor(deps.clock.now() / 1000)) {
          verified.delete(digest);
          throw invalid('The token has expired.');
        }
        if ((await keysOf(known.poolId)).verifying.get(known.kid) === known.key) return { poolId: known.poolId, payload: known.payload };
        verified.delete(digest);
      }
      let kid: string | undefined;
      let iss: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
        iss = decodeJwt(token).iss;
      } catch (error) {
        throw invalid('The token is malformed.', error);
      }
      const poolId = typeof iss === 'string' ? deps.issuer.poolIdOf(iss) : undefined;
      if (!poolId || !kid) throw invalid('The token was not issued by this server.');
      let keys = await keysOf(poolId);
      if (!keys.verifying.has(kid) && deps.clock.now() - (cache.get(poolId)?.loadedAt ?? 0) > RELOAD_AFTER_MS) keys = await keysOf(poolId, true);
      const key = keys.verifying.get(kid);
      if (!key) throw invalid('The token was not signed by a key of this user pool.');
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: iss as string,
          algorithms: ['RS256'],
          currentDate: new Date(deps.clock.now()),
          requiredClaims: ['exp'],
        });
        const frozen = Object.freeze(payload as Record<string, unknown>);
        remember(digest, { poolId, kid, key, payload: frozen, exp: payload.exp! });
        return { poolId, payload: frozen };
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw invalid(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token signature is invalid.', error);
      }
    },

    async jwks(poolId) {
      return (await keysOf(poolId)).jwks;
    },
  };
  return signer;
}
