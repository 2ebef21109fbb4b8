/** Users' second factors and the single-use record of challenge sessions, on PostgreSQL. */
import type { UserMfa } from '../../core/model.js';
import { NotFoundError, type ChallengeUseStore, type MfaStore } from '../storage.js';
import { inTransaction, nullable, type Pool } from './db.js';
import { mfaFromRow, type MfaRow } from '../rows.js';

const empty = (poolId: string, userId: string): UserMfa => ({
  poolId, userId, totpEnabled: false, smsEnabled: false, totpLastStep: 0, updatedAt: 0,
});

export function createMfaStores(pool: Pool): { mfa: MfaStore; challengeUses: ChallengeUseStore } {
  const mfa: MfaStore = {
    async get(poolId, userId) {
      const r = (await pool.query<MfaRow>('SELECT * FROM user_mfa WHERE pool_id = $1 AND user_id = $2', [poolId, userId])).rows[0];
      return r && mfaFromRow(r);
    },
    async update(poolId, userId, updater) {
      return inTransaction(pool, async (c) => {
        // KEY SHARE keeps the user from being deleted until the record is written.
        const user = await c.query('SELECT 1 FROM users WHERE pool_id = $1 AND id = $2 FOR KEY SHARE', [poolId, userId]);
        if (user.rowCount !== 1) throw new NotFoundError('user');
        // A user without a record gets a placeholder row (the column defaults), so there is always
        // a row for FOR UPDATE to lock and concurrent first updates cannot both start from nothing.
        const placed = await c.query('INSERT INTO user_mfa (user_id, pool_id, updated_at) VALUES ($1, $2, 0) ON CONFLICT (user_id) DO NOTHING',
          [userId, poolId]);
        const row = (await c.query<MfaRow>('SELECT * FROM user_mfa WHERE pool_id = $1 AND user_id = $2 FOR UPDATE', [poolId, userId])).rows[0];
        if (!row) throw new NotFoundError('user');
        const next = { ...updater(placed.rowCount === 1 ? empty(poolId, userId) : mfaFromRow(row)), poolId, userId };
        await c.query(`UPDATE user_mfa SET totp_secret_sealed = $3, totp_pending_sealed = $4, totp_enabled = $5, sms_enabled = $6,
            preferred = $7, totp_last_step = $8, updated_at = $9 WHERE pool_id = $1 AND user_id = $2`, [
          poolId, userId, nullable(next.totpSecretSealed), nullable(next.totpPendingSealed), next.totpEnabled ? 1 : 0,
          next.smsEnabled ? 1 : 0, nullable(next.preferred), next.totpLastStep, next.updatedAt,
        ]);
        return next;
      });
    },
    async useTotpStep(poolId, userId, step) {
      const used = await pool.query('UPDATE user_mfa SET totp_last_step = $3 WHERE pool_id = $1 AND user_id = $2 AND totp_last_step < $3',
        [poolId, userId, step]);
      return used.rowCount === 1;
    },
  };

  let lastPrune = 0;
  const challengeUses: ChallengeUseStore = {
    async consume(idHash, expiresAt, now) {
      // Rows outlive their session by a little; pruning at most once a minute keeps the table small.
      if (now - lastPrune > 60_000) {
        lastPrune = now;
        await pool.query('DELETE FROM challenge_uses WHERE expires_at < $1', [now - 60_000]);
      }
      const used = await pool.query(`INSERT INTO challenge_uses (id_hash, consumed, expires_at) VALUES ($1, 1, $2)
        ON CONFLICT (id_hash) DO UPDATE SET consumed = 1 WHERE challenge_uses.consumed = 0`, [idHash, expiresAt]);
      return used.rowCount === 1;
    },
    async recordFailure(idHash, expiresAt, maxFailures) {
      const r = (await pool.query<{ consumed: number }>(`INSERT INTO challenge_uses (id_hash, failures, consumed, expires_at) VALUES ($1, 1, $2, $3)
        ON CONFLICT (id_hash) DO UPDATE SET failures = challenge_uses.failures + 1,
          consumed = CASE WHEN challenge_uses.failures + 1 >= $4 THEN 1 ELSE challenge_uses.consumed END
        RETURNING consumed`, [idHash, maxFailures <= 1 ? 1 : 0, expiresAt, maxFailures])).rows[0];
      return r?.consumed === 0;
    },
    async usable(idHash) {
      const r = (await pool.query<{ consumed: number }>('SELECT consumed FROM challenge_uses WHERE id_hash = $1', [idHash])).rows[0];
      return r?.consumed !== 1;
    },
  };
  return { mfa, challengeUses };
}
