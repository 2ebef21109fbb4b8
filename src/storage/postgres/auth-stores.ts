/** One-time codes, authorization codes, browser sessions, token families, signing keys, SRP verifiers and lockout on PostgreSQL. */
import type { RefreshToken, SigningKey } from '../../core/model.js';
import type {
  AuthorizationCodeStore,
  LockoutStore,
  OneTimeCodeStore,
  SessionStore,
  SignInFailures,
  SigningKeyStore,
  SrpVerifierStore,
  TokenStore,
} from '../storage.js';
import { AlreadyExistsError } from '../storage.js';
import { inTransaction, isUniqueViolation, one, nullable, toJson, type Pool, type Queryable } from './db.js';
import {
  authCodeFromRow, codeFromRow, familyWithUserFromRow, familyWithUserSql, keyFromRow, refreshFromRow, sessionFromRow,
  type AuthCodeRow, type CodeRow, type FamilyUserRow, type KeyRow, type RefreshRow, type SessionRow,
} from '../rows.js';

const FAMILY_WITH_USER = familyWithUserSql('$1');

interface FailureRow { failures: number; last_failure_at: number; locked_until: number }

const insertKey = (db: Queryable, k: SigningKey, onConflict = '') =>
  db.query(`INSERT INTO signing_keys (kid, pool_id, purpose, algorithm, private_jwk_sealed, public_jwk, status, created_at, retired_at, publish_until)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ${onConflict}`, [
    k.kid, k.poolId, k.purpose, k.algorithm, k.privateJwkSealed, toJson(k.publicJwk), k.status, k.createdAt, nullable(k.retiredAt), nullable(k.publishUntil),
  ]);

const insertRefreshToken = (db: Queryable, t: RefreshToken) =>
  db.query(`INSERT INTO refresh_tokens (token_hash, origin_jti, pool_id, client_id, user_id, scopes, auth_time, amr, with_id_token,
      created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
    t.tokenHash, t.originJti, t.poolId, t.clientId, t.userId, toJson(t.scopes), t.authTime, toJson(t.amr), t.withIdToken ? 1 : 0,
    t.createdAt, t.expiresAt,
  ]);

export function createAuthStores(pool: Pool) {
  const codes: OneTimeCodeStore = {
    async put(code) {
      await pool.query(`INSERT INTO one_time_codes (pool_id, user_id, purpose, code_hash, expires_at, attempts, created_at)
        VALUES ($1, $2, $3, $4, $5, 0, $6)
        ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
          attempts = 0, created_at = excluded.created_at`,
      [code.poolId, code.userId, code.purpose, code.codeHash, code.expiresAt, code.createdAt]);
    },
    async get(poolId, userId, purpose) {
      const r = await one<CodeRow>(pool, 'SELECT * FROM one_time_codes WHERE pool_id = $1 AND user_id = $2 AND purpose = $3', [poolId, userId, purpose]);
      return r && codeFromRow(r);
    },
    async consume(poolId, userId, purpose, codeHash, now, maxAttempts) {
      return inTransaction(pool, async (c) => {
        const key = [poolId, userId, purpose];
        const row = await one<CodeRow>(c, 'SELECT * FROM one_time_codes WHERE pool_id = $1 AND user_id = $2 AND purpose = $3 FOR UPDATE', key);
        const remove = () => c.query('DELETE FROM one_time_codes WHERE pool_id = $1 AND user_id = $2 AND purpose = $3', key);
        if (!row) return { status: 'missing' } as const;
        if (row.expires_at <= now) {
          await remove();
          return { status: 'expired' } as const;
        }
        if (row.code_hash === codeHash) {
          await remove();
          return { status: 'ok' } as const;
        }
        const attempts = row.attempts + 1;
        if (attempts >= maxAttempts) await remove();
        else await c.query('UPDATE one_time_codes SET attempts = attempts + 1 WHERE pool_id = $1 AND user_id = $2 AND purpose = $3', key);
        return { status: 'mismatch', attemptsLeft: Math.max(0, maxAttempts - attempts) } as const;
      });
    },
    async countSend(userId, purpose, now, windowMs) {
      // One statement: the upsert locks the row, so concurrent sends each count once.
      const r = await one<{ sends: number }>(pool, `INSERT INTO code_sends (user_id, purpose, window_start, sends) VALUES ($1, $2, $3::bigint, 1)
        ON CONFLICT (user_id, purpose) DO UPDATE SET
          window_start = CASE WHEN $3::bigint - code_sends.window_start >= $4::bigint THEN $3::bigint ELSE code_sends.window_start END,
          sends = CASE WHEN $3::bigint - code_sends.window_start >= $4::bigint THEN 1 ELSE code_sends.sends + 1 END
        RETURNING sends`, [userId, purpose, now, windowMs]);
      return r!.sends;
    },
  };

  const authorizationCodes: AuthorizationCodeStore = {
    async create(c) {
      await pool.query(`INSERT INTO authorization_codes (code_hash, pool_id, client_id, user_id, redirect_uri, scopes, nonce,
          code_challenge, auth_time, amr, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        c.codeHash, c.poolId, c.clientId, c.userId, c.redirectUri, toJson(c.scopes), nullable(c.nonce), nullable(c.codeChallenge),
        c.authTime, toJson(c.amr), c.createdAt, c.expiresAt,
      ]);
    },
    async consume(codeHash, now) {
      // Concurrent updates of one row queue on its lock and re-check consumed_at, so exactly one claims it.
      const claimed = await one<AuthCodeRow>(pool,
        'UPDATE authorization_codes SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL RETURNING *', [codeHash, now]);
      if (claimed) return { status: 'ok', code: { ...authCodeFromRow(claimed), consumedAt: undefined } };
      const row = await one<AuthCodeRow>(pool, 'SELECT * FROM authorization_codes WHERE code_hash = $1', [codeHash]);
      return row ? { status: 'replayed', code: authCodeFromRow(row) } : { status: 'missing' };
    },
    async setOriginJti(codeHash, originJti) {
      await pool.query('UPDATE authorization_codes SET origin_jti = $2 WHERE code_hash = $1', [codeHash, originJti]);
    },
    async deleteExpired(before) {
      // Consumed codes are kept a while after expiry so a late replay is still recognised.
      return (await pool.query('DELETE FROM authorization_codes WHERE expires_at < $1', [before])).rowCount ?? 0;
    },
  };

  const sessions: SessionStore = {
    async create(s) {
      await pool.query(`INSERT INTO browser_sessions (id_hash, pool_id, user_id, auth_time, amr, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)`, [s.idHash, s.poolId, s.userId, s.authTime, toJson(s.amr), s.createdAt, s.expiresAt]);
    },
    async get(idHash) { const r = await one<SessionRow>(pool, 'SELECT * FROM browser_sessions WHERE id_hash = $1', [idHash]); return r && sessionFromRow(r); },
    async delete(idHash) { await pool.query('DELETE FROM browser_sessions WHERE id_hash = $1', [idHash]); },
    async deleteForUser(poolId, userId) { await pool.query('DELETE FROM browser_sessions WHERE pool_id = $1 AND user_id = $2', [poolId, userId]); },
  };

  const tokens: TokenStore = {
    async createFamily(f) {
      await pool.query('INSERT INTO token_families (origin_jti, pool_id, client_id, user_id, created_at) VALUES ($1, $2, $3, $4, $5)',
        [f.originJti, f.poolId, f.clientId, f.userId, f.createdAt]);
    },
    async getFamilyWithUser(originJti) {
      const r = await one<FamilyUserRow>(pool, FAMILY_WITH_USER, [originJti]);
      return r && familyWithUserFromRow(r);
    },
    async revokeFamily(originJti, now) {
      await pool.query('UPDATE token_families SET revoked_at = $2 WHERE origin_jti = $1 AND revoked_at IS NULL', [originJti, now]);
    },
    async revokeFamiliesOfUser(poolId, userId, now) {
      await pool.query('UPDATE token_families SET revoked_at = $3 WHERE pool_id = $1 AND user_id = $2 AND revoked_at IS NULL', [poolId, userId, now]);
    },
    async createRefreshToken(t) { await insertRefreshToken(pool, t); },
    async getRefreshToken(tokenHash) {
      const r = await one<RefreshRow>(pool, 'SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
      return r && refreshFromRow(r);
    },
    async rotateRefreshToken(oldHash, next, now) {
      return inTransaction(pool, async (c) => {
        const replaced = await c.query('UPDATE refresh_tokens SET replaced_at = $2 WHERE token_hash = $1 AND replaced_at IS NULL', [oldHash, now]);
        if (replaced.rowCount !== 1) return false;
        await insertRefreshToken(c, next);
        return true;
      });
    },
  };

  const signingKeys: SigningKeyStore = {
    async listForPool(poolId) {
      const rows = await pool.query<KeyRow>('SELECT * FROM signing_keys WHERE pool_id = $1 ORDER BY created_at DESC, kid COLLATE "C"', [poolId]);
      return rows.rows.map(keyFromRow);
    },
    async createIfAbsent(key) {
      // The partial unique index allows one active key per pool and purpose: a racing insert
      // waits for the other transaction, then does nothing and reads the winner's key. Should that
      // key stop being active in between, the insert is simply tried again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await insertKey(pool, key, `ON CONFLICT (pool_id, purpose) WHERE status = 'active' DO NOTHING`);
        if (inserted.rowCount === 1) return key;
        const active = await one<KeyRow>(pool, `SELECT * FROM signing_keys WHERE pool_id = $1 AND purpose = $2 AND status = 'active'`,
          [key.poolId, key.purpose]);
        if (active) return keyFromRow(active);
      }
      throw new Error(`no active ${key.purpose} signing key could be stored for ${key.poolId}`);
    },
    async rotate(poolId, newKeys, now, publishUntil) {
      const purposes = new Set(newKeys.map((k) => k.purpose));
      if (purposes.size !== newKeys.length || newKeys.some((k) => k.poolId !== poolId || k.status !== 'active')) {
        throw new Error('rotate takes active keys of the pool, at most one per purpose');
      }
      return inTransaction(pool, async (c) => {
        // Rotations of one pool take turns: a row lock alone would let a waiting rotation find no
        // active key (the first one retired it) and collide with the key the first one added.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`signing-keys:${poolId}`]);
        // Nothing a key past its publication signed is still valid, so it goes; keys retired below never do.
        const deleted = (await c.query<{ kid: string }>(`DELETE FROM signing_keys WHERE pool_id = $1 AND status = 'retired' AND publish_until <= $2 RETURNING kid`,
          [poolId, now])).rows.map((r) => r.kid);
        const retired: SigningKey[] = [];
        for (const key of newKeys) {
          const active = await one<KeyRow>(c, `SELECT * FROM signing_keys WHERE pool_id = $1 AND purpose = $2 AND status = 'active'`, [poolId, key.purpose]);
          if (active) {
            await c.query(`UPDATE signing_keys SET status = 'retired', retired_at = $2, publish_until = $3 WHERE kid = $1`, [active.kid, now, publishUntil]);
            retired.push({ ...keyFromRow(active), status: 'retired', retiredAt: now, publishUntil });
          }
          try {
            await insertKey(c, key);
          } catch (error) {
            if (isUniqueViolation(error)) throw new AlreadyExistsError('kid');
            throw error;
          }
        }
        return { retired, deleted };
      });
    },
  };

  const srpVerifiers: SrpVerifierStore = {
    async get(poolId, userId) {
      const r = await one<{ salt: string; verifier_sealed: string; updated_at: number }>(pool,
        'SELECT salt, verifier_sealed, updated_at FROM srp_verifiers WHERE pool_id = $1 AND user_id = $2', [poolId, userId]);
      return r && { poolId, userId, salt: r.salt, verifierSealed: r.verifier_sealed, updatedAt: r.updated_at };
    },
    async put(v) {
      await pool.query(`INSERT INTO srp_verifiers (user_id, pool_id, salt, verifier_sealed, updated_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (user_id) DO UPDATE SET salt = excluded.salt, verifier_sealed = excluded.verifier_sealed, updated_at = excluded.updated_at`,
      [v.userId, v.poolId, v.salt, v.verifierSealed, v.updatedAt]);
    },
  };

  const failuresFromRow = (poolId: string, userId: string, r: FailureRow): SignInFailures =>
    ({ poolId, userId, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until });
  const lockout: LockoutStore = {
    async get(poolId, userId) {
      const r = await one<FailureRow>(pool, 'SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE pool_id = $1 AND user_id = $2',
        [poolId, userId]);
      return r && failuresFromRow(poolId, userId, r);
    },
    async recordFailure(poolId, userId, next) {
      return inTransaction(pool, async (c) => {
        // FOR UPDATE cannot lock a row that is not there yet, so a first failure inserts a
        // placeholder to lock; the updater still sees "no record" when the placeholder is ours.
        const placed = await c.query(`INSERT INTO sign_in_failures (user_id, pool_id, failures, last_failure_at, locked_until)
          VALUES ($1, $2, 0, 0, 0) ON CONFLICT (user_id) DO NOTHING`, [userId, poolId]);
        const row = await one<FailureRow>(c, 'SELECT failures, last_failure_at, locked_until FROM sign_in_failures WHERE pool_id = $1 AND user_id = $2 FOR UPDATE',
          [poolId, userId]);
        const record = next(placed.rowCount === 1 || !row ? undefined : failuresFromRow(poolId, userId, row));
        await c.query('UPDATE sign_in_failures SET failures = $3, last_failure_at = $4, locked_until = $5 WHERE pool_id = $1 AND user_id = $2',
          [poolId, userId, record.failures, record.lastFailureAt, record.lockedUntil]);
        return record;
      });
    },
    async clear(poolId, userId) { await pool.query('DELETE FROM sign_in_failures WHERE pool_id = $1 AND user_id = $2', [poolId, userId]); },
  };

  return { codes, authorizationCodes, sessions, tokens, signingKeys, srpVerifiers, lockout };
}
