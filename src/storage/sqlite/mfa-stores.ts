/** Users' second factors and the single-use record of challenge sessions. */
import type Database from 'better-sqlite3';
import type { UserMfa } from '../../core/model.js';
import { NotFoundError, type ChallengeUseStore, type MfaStore } from '../storage.js';
import { mfaFromRow, type MfaRow } from '../rows.js';

const empty = (poolId: string, userId: string): UserMfa => ({
  poolId, userId, totpEnabled: false, smsEnabled: false, totpLastStep: 0, updatedAt: 0,
});

export function createMfaStores(db: Database.Database): { mfa: MfaStore; challengeUses: ChallengeUseStore } {
  const get = db.prepare<[string, string], MfaRow>('SELECT * FROM user_mfa WHERE pool_id = ? AND user_id = ?');
  const userExists = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM users WHERE pool_id = ? AND id = ?');
  const put = db.prepare(`INSERT INTO user_mfa (user_id, pool_id, totp_secret_sealed, totp_pending_sealed, totp_enabled, sms_enabled, preferred, totp_last_step, updated_at)
    VALUES (@userId, @poolId, @totpSecretSealed, @totpPendingSealed, @totpEnabled, @smsEnabled, @preferred, @totpLastStep, @updatedAt)
    ON CONFLICT(user_id) DO UPDATE SET totp_secret_sealed = excluded.totp_secret_sealed, totp_pending_sealed = excluded.totp_pending_sealed,
      totp_enabled = excluded.totp_enabled, sms_enabled = excluded.sms_enabled, preferred = excluded.preferred,
      totp_last_step = excluded.totp_last_step, updated_at = excluded.updated_at`);
  const useStep = db.prepare('UPDATE user_mfa SET totp_last_step = ? WHERE pool_id = ? AND user_id = ? AND totp_last_step < ?');

  const mfa: MfaStore = {
    async get(poolId, userId) {
      const r = get.get(poolId, userId);
      return r && mfaFromRow(r);
    },
    async update(poolId, userId, updater) {
      return db.transaction(() => {
        if (!userExists.get(poolId, userId)) throw new NotFoundError('user');
        const row = get.get(poolId, userId);
        const next = { ...updater(row ? mfaFromRow(row) : empty(poolId, userId)), poolId, userId };
        put.run({
          ...next, totpSecretSealed: next.totpSecretSealed ?? null, totpPendingSealed: next.totpPendingSealed ?? null,
          totpEnabled: next.totpEnabled ? 1 : 0, smsEnabled: next.smsEnabled ? 1 : 0, preferred: next.preferred ?? null,
        });
        return next;
      }).immediate();
    },
    async useTotpStep(poolId, userId, step) {
      return useStep.run(step, poolId, userId, step).changes === 1;
    },
  };

  const useGet = db.prepare<[string], { failures: number; consumed: number }>('SELECT failures, consumed FROM challenge_uses WHERE id_hash = ?');
  const consume = db.prepare(`INSERT INTO challenge_uses (id_hash, consumed, expires_at) VALUES (?, 1, ?)
    ON CONFLICT(id_hash) DO UPDATE SET consumed = 1 WHERE challenge_uses.consumed = 0`);
  const fail = db.prepare(`INSERT INTO challenge_uses (id_hash, failures, consumed, expires_at) VALUES (@idHash, 1, @spent, @expiresAt)
    ON CONFLICT(id_hash) DO UPDATE SET failures = failures + 1, consumed = CASE WHEN failures + 1 >= @max THEN 1 ELSE consumed END`);
  const prune = db.prepare('DELETE FROM challenge_uses WHERE expires_at < ?');
  let lastPrune = 0;

  const challengeUses: ChallengeUseStore = {
    async consume(idHash, expiresAt, now) {
      // Rows outlive their session by a little; pruning at most once a minute keeps the table small.
      if (now - lastPrune > 60_000) {
        lastPrune = now;
        prune.run(now - 60_000);
      }
      return consume.run(idHash, expiresAt).changes === 1;
    },
    async recordFailure(idHash, expiresAt, maxFailures) {
      return db.transaction(() => {
        fail.run({ idHash, expiresAt, max: maxFailures, spent: maxFailures <= 1 ? 1 : 0 });
        return useGet.get(idHash)?.consumed === 0;
      }).immediate();
    },
    async usable(idHash) {
      return useGet.get(idHash)?.consumed !== 1;
    },
  };
  return { mfa, challengeUses };
}
