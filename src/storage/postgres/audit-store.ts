/** The audit trail on PostgreSQL. */
import type { AuthEventStore } from '../storage.js';
import { nullable, toJson, type Pool } from './db.js';
import { cursorOf, eventFromRow, parseCursor, type EventRow } from '../rows.js';

// The cursor names the last event shown by its time and insertion order, as on SQLite.

export function createAuditStore(pool: Pool): AuthEventStore {
  return {
    async append(e) {
      // The user is looked up in the insert, so an event that outlives its user is kept without it.
      await pool.query(`INSERT INTO auth_events (id, pool_id, user_id, username, client_id, type, outcome, reason, challenges, ip, user_agent, created_at)
        VALUES ($1, $2, (SELECT id FROM users WHERE id = $3 AND pool_id = $2), $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        e.id, e.poolId, nullable(e.userId), nullable(e.username), nullable(e.clientId), e.type, e.outcome, nullable(e.reason),
        toJson(e.challenges), nullable(e.ip), nullable(e.userAgent), e.createdAt,
      ]);
    },
    async listForUser(poolId, userId, { limit, after }) {
      const cursor = parseCursor(after);
      if (!cursor || limit <= 0) return { events: [] };
      const rows = (await pool.query<EventRow>(`SELECT * FROM auth_events WHERE user_id = $1 AND pool_id = $2 AND (created_at, seq) < ($3, $4)
        ORDER BY created_at DESC, seq DESC LIMIT $5`, [userId, poolId, cursor.t, cursor.s, limit + 1])).rows;
      const shown = rows.slice(0, limit);
      return { events: shown.map(eventFromRow), next: rows.length > limit ? cursorOf(shown[shown.length - 1]!) : undefined };
    },
    async deleteBefore(time) {
      return (await pool.query('DELETE FROM auth_events WHERE created_at < $1', [time])).rowCount ?? 0;
    },
  };
}
