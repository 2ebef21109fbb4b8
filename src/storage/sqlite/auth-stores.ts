/** One-time codes, authorization codes, browser sessions, token families and signing keys. */
import type Database from 'better-sqlite3';
import type { RefreshToken, SigningKey } from '../../core/model.js';
import { AlreadyExistsError } from '../storage.js';
import type {
  AuthorizationCodeStore,
  OneTimeCodeStore,
  SessionStore,
  LockoutStore,
  SigningKeyStore,
  SrpVerifierStore,
  TokenStore,
} from '../storage.js';
import { isUniqueViolation, toJson } from './json.js';
import {
  authCodeFromRow, codeFromRow, familyWithUserFromRow, familyWithUserSql, keyFromRow, refreshFromRow, sessionFromRow,
  type AuthCodeRow, type CodeRow, type FamilyUserRow, type KeyRow, type RefreshRow, type SessionRow,
} from '../rows.js';

const keyParams = (k: SigningKey) => ({
  kid: k.kid, poolId: k.poolId, purpose: k.purpose, algorithm: k.algorithm, privateJwkSealed: k.privateJwkSealed,
  publicJwk: toJson(k.publicJwk), status: k.status, createdAt: k.createdAt, retiredAt: k.retiredAt ?? null,
  publishUntil: k.publishUntil ?? null,
});

export function createAuthStores(db: Database.Database) {
  const q = {
    codePut: db.prepare(`INSERT INTO one_time_codes (pool_id, user_id, purpose, code_hash, expires_at, attempts, created_at)
      VALUES (@poolId, @userId, @purpose, @codeHash, @expiresAt, 0, @createdAt)
      ON CONFLICT(user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
        attempts = 0, created_at = excluded.created_at`),
    codeGet: db.prepare<[string, string, string], CodeRow>('SELECT * FROM one_time_codes WHERE pool_id = ? AND user_id = ? AND purpose = ?'),
    codeDelete: db.prepare('DELETE FROM one_time_codes WHERE pool_id = ? AND user_id = ? AND purpose = ?'),
    codeFail: db.prepare('UPDATE one_time_codes SET attempts = attempts + 1 WHERE pool_id = ? AND user_id = ? AND purpose = ?'),
    sendsGet: db.prepare<[string, string], { window_start: number; sends: number }>('SELECT window_start, sends FROM code_sends WHERE user_id = ? AND purpose = ?'),
    sendsPut: db.prepare(`INSERT INTO code_sends (user_id, purpose, window_start, sends) VALUES (?, ?, ?, ?)
      ON CONFLICT(user_id, purpose) DO UPDATE SET window_start = excluded.window_start, sends = excluded.sends`),
    authCodeInsert: db.prepare(`INSERT INTO authorization_codes (code_hash, pool_id, client_id, user_id, redirect_uri, scopes,
        nonce, code_challenge, auth_time, amr, created_at, expires_at)
      VALUES (@codeHash, @poolId, @clientId, @userId, @redirectUri, @scopes, @nonce, @codeChallenge, @authTime, @amr,
        @createdAt, @expiresAt)`),
    authCodeGet: db.prepare<[string], AuthCodeRow>('SELECT * FROM authorization_codes WHERE code_hash = ?'),
    authCodeConsume: db.prepare('UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL'),
    authCodeSetJti: db.prepare('UPDATE authorization_codes SET origin_jti = ? WHERE code_hash = ?'),
    // Consumed codes are kept a while after expiry so a late replay is still recognised.
    authCodeDeleteExpired: db.prepare('DELETE FROM authorization_codes WHERE expires_at < ?'),
    sessionInsert: db.prepare(`INSERT INTO browser_sessions (id_hash, pool_id, user_id, auth_time, amr, created_at, expires_at)
      VALUES (@idHash, @poolId, @userId, @authTime, @amr, @createdAt, @expiresAt)`),
    sessionGet: db.prepare<[string], SessionRow>('SELECT * FROM browser_sessions WHERE id_hash = ?'),
    sessionDelete: db.prepare('DELETE FROM browser_sessions WHERE id_hash = ?'),
    sessionDeleteForUser: db.prepare('DELETE FROM browser_sessions WHERE pool_id = ? AND user_id = ?'),
    familyInsert: db.prepare(`INSERT INTO token_families (origin_jti, pool_id, client_id, user_id, created_at)
      VALUES (@originJti, @poolId, @clientId, @userId, @createdAt)`),
    familyWithUser: db.prepare<[string], FamilyUserRow>(familyWithUserSql('?')),
    familyRevoke: db.prepare('UPDATE token_families SET revoked_at = ? WHERE origin_jti = ? AND revoked_at IS NULL'),
    familyRevokeUser: db.prepare('UPDATE token_families SET revoked_at = ? WHERE pool_id = ? AND user_id = ? AND revoked_at IS NULL'),
    refreshInsert: db.prepare(`INSERT INTO refresh_tokens (token_hash, origin_jti, pool_id, client_id, user_id, scopes, auth_time,
        amr, with_id_token, created_at, expires_at)
      VALUES (@tokenHash, @originJti, @poolId, @clientId, @userId, @scopes, @authTime, @amr, @withIdToken, @createdAt, @expiresAt)`),
    refreshGet: db.prepare<[string], RefreshRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    refreshReplace: db.prepare('UPDATE refresh_tokens SET replaced_at = ? WHERE token_hash = ? AND replaced_at IS NULL'),
    keysForPool: db.prepare<[string], KeyRow>('SELECT * FROM signing_keys WHERE pool_id = ? ORDER BY created_at DESC, kid'),
    keyActive: db.prepare<[string, string], KeyRow>(`SELECT * FROM signing_keys WHERE pool_id = ? AND purpose = ? AND status = 'active'`),
    keyInsert: db.prepare(`INSERT INTO signing_keys (kid, pool_id, purpose, algorithm, private_jwk_sealed, public_jwk, status, created_at,
        retired_at, publish_until)
      VALUES (@kid, @poolId, @purpose, @algorithm, @privateJwkSealed, @publicJwk, @status, @createdAt, @retiredAt, @publishUntil)`),
    keyRetire: db.prepare(`UPDATE signing_keys SET status = 'retired', retired_at = ?, publish_until = ? WHERE kid = ?`),
    keyDeleteUnpublished: db.prepare<[string, number], { kid: string }>(
      `DELETE FROM signing_keys WHERE pool_id = ? AND status = 'retired' AND publish_until <= ? RETURNING kid`),
  };

  const codes: OneTimeCodeStore = {
    async put(code) { q.codePut.run(code); },
    async get(poolId, userId, purpose) { const r = q.codeGet.get(poolId, userId, purpose); return r && codeFromRow(r); },
    async consume(poolId, userId, purpose, codeHash, now, maxAttempts) {
      return db.transaction(() => {
        const row = q.codeGet.get(poolId, userId, purpose);
        if (!row) return { status: 'missing' } as const;
        if (row.expires_at <= now) {
          q.codeDelete.run(poolId, userId, purpose);
          return { status: 'expired' } as const;
        }
        if (row.code_hash === codeHash) {
          q.codeDelete.run(poolId, userId, purpose);
          return { status: 'ok' } as const;
        }
        const attempts = row.attempts + 1;
        if (attempts >= maxAttempts) q.codeDelete.run(poolId, userId, purpose);
        else q.codeFail.run(poolId, userId, purpose);
        return { status: 'mismatch', attemptsLeft: Math.max(0, maxAttempts - attempts) } as const;
      }).immediate();
    },
    async countSend(userId, purpose, now, windowMs) {
      return db.transaction(() => {
        const row = q.sendsGet.get(userId, purpose);
        const fresh = !row || now - row.window_start >= windowMs;
        const sends = fresh ? 1 : row.sends + 1;
        q.sendsPut.run(userId, purpose, fresh ? now : row.window_start, sends);
        return sends;
      }).immediate();
    },
  };

  const authorizationCodes: AuthorizationCodeStore = {
    async create(c) {
      q.authCodeInsert.run({ ...c, scopes: toJson(c.scopes), amr: toJson(c.amr), nonce: c.nonce ?? null, codeChallenge: c.codeChallenge ?? null });
    },
    async consume(codeHash, now) {
      return db.transaction(() => {
        const row = q.authCodeGet.get(codeHash);
        if (!row) return { status: 'missing' } as const;
        const claimed = q.authCodeConsume.run(now, codeHash).changes === 1;
        return { status: claimed ? 'ok' : 'replayed', code: authCodeFromRow(row) } as const;
      }).immediate();
    },
    async setOriginJti(codeHash, originJti) { q.authCodeSetJti.run(originJti, codeHash); },
    async deleteExpired(before) { return q.authCodeDeleteExpired.run(before).changes; },
  };

  const sessions: SessionStore = {
    async create(s) { q.sessionInsert.run({ ...s, amr: toJson(s.amr) }); },
    async get(idHash) { const r = q.sessionGet.get(idHash); return r && sessionFromRow(r); },
    async delete(idHash) { q.sessionDelete.run(idHash); },
    async deleteForUser(poolId, userId) { q.sessionDeleteForUser.run(poolId, userId); },
  };

  const refreshParams = (t: RefreshToken) => ({
    tokenHash: t.tokenHash, originJti: t.originJti, poolId: t.poolId, clientId: t.clientId, userId: t.userId,
    scopes: toJson(t.scopes), authTime: t.authTime, amr: toJson(t.amr), withIdToken: t.withIdToken ? 1 : 0,
    createdAt: t.createdAt, expiresAt: t.expiresAt,
  });

  const tokens: TokenStore = {
    async createFamily(f) { q.familyInsert.run(f); },
    async getFamilyWithUser(originJti) { const r = q.familyWithUser.get(originJti); return r && familyWithUserFromRow(r); },
    async revokeFamily(originJti, now) { q.familyRevoke.run(now, originJti); },
    async revokeFamiliesOfUser(poolId, userId, now) { q.familyRevokeUser.run(now, poolId, userId); },
    async createRefreshToken(t) { q.refreshInsert.run(refreshParams(t)); },
    async getRefreshToken(tokenHash) { const r = q.refreshGet.get(tokenHash); return r && refreshFromRow(r); },
    async rotateRefreshToken(oldHash, next, now) {
      return db.transaction(() => {
        if (q.refreshReplace.run(now, oldHash).changes !== 1) return false;
        q.refreshInsert.run(refreshParams(next));
        return true;
      }).immediate();
    },
  };

  const signingKeys: SigningKeyStore = {
    async listForPool(poolId) { return q.keysForPool.all(poolId).map(keyFromRow); },
    async createIfAbsent(key) {
      return db.transaction(() => {
        const existing = q.keyActive.get(key.poolId, key.purpose);
        if (existing) return keyFromRow(existing);
        q.keyInsert.run(keyParams(key));
        return key;
      }).immediate();
    },
    async rotate(poolId, newKeys, now, publishUntil) {
      const purposes = new Set(newKeys.map((k) => k.purpose));
      if (purposes.size !== newKeys.length || newKeys.some((k) => k.poolId !== poolId || k.status !== 'active')) {
        throw new Error('rotate takes active keys of the pool, at most one per purpose');
      }
      return db.transaction(() => {
        // Nothing a key past its publication signed is still valid, so it goes; keys retired below never do.
        const deleted = q.keyDeleteUnpublished.all(poolId, now).map((r) => r.kid);
        const retired: SigningKey[] = [];
        for (const key of newKeys) {
          const active = q.keyActive.get(poolId, key.purpose);
          if (active) {
            q.keyRetire.run(now, publishUntil, active.kid);
            retired.push({ ...keyFromRow(active), status: 'retired', retiredAt: now, publishUntil });
          }
          try {
            q.keyInsert.run(keyParams(key));
          } catch (error) {
            if (isUniqueViolation(error)) throw new AlreadyExistsError('kid');
            throw error;
          }
        }
        return { retired, deleted };
      }).immediate();
    },
  };

  const srpGet = db.prepare<[string, string], { salt: string; verifier_sealed: string; updated_at: number }>(
    'SELECT salt, verifier_sealed, updated_at FROM srp_verifiers WHERE pool_id = ? AND user_id = ?');
  const srpPut = db.prepare(`INSERT INTO srp_verifiers (user_id, pool_id, salt, verifier_sealed, updated_at)
    VALUES (@userId, @poolId, @salt, @verifierSealed, @updatedAt)
    ON CONFLICT(user_id) DO UPDATE SET salt = excluded.salt, verifier_sealed = excluded.verifier_sealed, updated_at = excluded.updated_at`);
  const srpVerifiers: SrpVerifierStore = {
    async get(poolId, userId) {
      const r = srpGet.get(poolId, userId);
      return r && { poolId, userId, salt: r.salt, verifierSealed: r.verifier_sealed, updatedAt: r.updated_at };
    },
    async put(v) { srpPut.run(v); },
  };

  const failureGet = db.prepare<[string, string], { failures: number; last_failure_at: number; locked_until: number }>(
    'SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE pool_id = ? AND user_id = ?');
  const failurePut = db.prepare(`INSERT INTO sign_in_failures (user_id, pool_id, failures, last_failure_at, locked_until)
    VALUES (@userId, @poolId, @failures, @lastFailureAt, @lockedUntil)
    ON CONFLICT(user_id) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
      locked_until = excluded.locked_until`);
  const failureClear = db.prepare('DELETE FROM sign_in_failures WHERE pool_id = ? AND user_id = ?');
  const readFailures = (poolId: string, userId: string) => {
    const r = failureGet.get(poolId, userId);
    return r && { poolId, userId, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until };
  };
  const lockout: LockoutStore = {
    async get(poolId, userId) { return readFailures(poolId, userId); },
    async recordFailure(poolId, userId, next) {
      return db.transaction(() => {
        const record = next(readFailures(poolId, userId));
        failurePut.run(record);
        return record;
      }).immediate();
    },
    async clear(poolId, userId) { failureClear.run(poolId, userId); },
  };

  return { codes, authorizationCodes, sessions, tokens, signingKeys, srpVerifiers, lockout };
}
