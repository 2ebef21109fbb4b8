import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AppError } from '../errors/app-error.js';
import type { KeyPurpose, SigningKey } from '../core/model.js';
import type { Clock, Issuer, Jwks, SecretBox, TokenSigner } from '../core/ports.js';
import type { SigningKeyStore } from '../storage/storage.js';

interface PoolKeys {
  signing: Partial<Record<KeyPurpose, { kid: string; key: CryptoKey }>>;
  verifying: Map<string, CryptoKey>;
  jwks: Jwks;
  loadedAt: number;
}

/** How soon an unknown kid may trigger another reload (another instance may have rotated). */
const RELOAD_AFTER_MS = 5_000;

/**
 * RS256 signing with each pool's persisted RSA keys, as Cognito does: one key for ID tokens and
 * one for access tokens. Keys are parsed once and cached; private keys are stored sealed.
 */
export function createJoseSigner(deps: { keys: SigningKeyStore; box: SecretBox; clock: Clock; issuer: Issuer }): TokenSigner {
  const cache = new Map<string, Promise<PoolKeys>>();

  async function load(poolId: string): Promise<PoolKeys> {
    const rows = await deps.keys.listForPool(poolId);
    const signing: PoolKeys['signing'] = {};
    const verifying = new Map<string, CryptoKey>();
    const jwks: Jwks = { keys: [] };
    for (const row of rows) {
      verifying.set(row.kid, (await importJWK(row.publicJwk as JWK, 'RS256')) as CryptoKey);
      jwks.keys.push({ ...row.publicJwk, alg: 'RS256', kid: row.kid, use: 'sig' });
      if (row.status === 'active' && !signing[row.purpose]) {
        const privateJwk = JSON.parse(deps.box.open(row.privateJwkSealed)) as JWK;
        signing[row.purpose] = { kid: row.kid, key: (await importJWK(privateJwk, 'RS256')) as CryptoKey };
      }
    }
    return { signing, verifying, jwks, loadedAt: deps.clock.now() };
  }

  function keysOf(poolId: string, fresh = false): Promise<PoolKeys> {
    let entry = cache.get(poolId);
    if (!entry || fresh) {
      entry = load(poolId);
      cache.set(poolId, entry);
      // Unknown pools are not remembered, so random ids cannot grow the cache.
      entry.then((k) => k.jwks.keys.length === 0 && cache.delete(poolId), () => cache.delete(poolId));
    }
    return entry;
  }

  async function createKey(poolId: string, purpose: KeyPurpose): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const key: SigningKey = {
      kid, poolId, purpose, algorithm: 'RS256', status: 'active', createdAt: deps.clock.now(),
      privateJwkSealed: deps.box.seal(JSON.stringify(privateJwk)),
      publicJwk: { kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e },
    };
    await deps.keys.createIfAbsent(key);
  }

  return {
    async ensureKeys(poolId) {
      const current = await keysOf(poolId, true);
      const missing = (['id', 'access'] as const).filter((p) => !current.signing[p]);
      if (missing.length === 0) return;
      for (const purpose of missing) await createKey(poolId, purpose);
      await keysOf(poolId, true);
    },

    async sign(poolId, purpose, claims) {
      let keys = await keysOf(poolId);
      if (!keys.signing[purpose]) keys = await keysOf(poolId, true);
      const signing = keys.signing[purpose];
      if (!signing) throw new AppError('Internal', `user pool ${poolId} has no ${purpose} signing key`);
      return new SignJWT(claims).setProtectedHeader({ kid: signing.kid, alg: 'RS256' }).sign(signing.key);
    },

    async verify(token) {
      const invalid = (why: string, cause?: unknown) => new AppError('InvalidToken', why, { cause });
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
      if (!keys.verifying.has(kid) && deps.clock.now() - keys.loadedAt > RELOAD_AFTER_MS) keys = await keysOf(poolId, true);
      const key = keys.verifying.get(kid);
      if (!key) throw invalid('The token was not signed by a key of this user pool.');
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: iss as string,
          algorithms: ['RS256'],
          currentDate: new Date(deps.clock.now()),
        });
        return { poolId, payload: payload as Record<string, unknown> };
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw invalid(code === 'ERR_JWT_EXPIRED' ? 'The token has expired.' : 'The token signature is invalid.', error);
      }
    },

    async jwks(poolId) {
      return (await keysOf(poolId)).jwks;
    },
  };
}
