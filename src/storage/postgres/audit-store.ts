/** The audit trail on PostgreSQL. */
import type { AuthEvent } from '../../core/ports.js';
import type { AuthEventStore } from '../storage.js';
import { fromJson, nullable, optional, toJson, type Pool } from './db.js';

interface EventRow {
  seq: number; id: string; pool_id: string; user_id: string | null; username: string | null; client_id: string | null;
  type: string; outcome: string; reason: string | null; challenges: string; ip: string | null; user_agent: string | null;
  created_at: number;
}

const eventFromRow = (r: EventRow): AuthEvent => ({
  id: r.id, poolId: r.pool_id, userId: optional(r.user_id), username: optional(r.username), clientId: optional(r.client_id),
  type: r.type as AuthEvent['type'], outcome: r.outcome as AuthEvent['outcome'], reason: optional(r.reason),
  challenges: fromJson(r.challenges), ip: optional(r.ip), userAgent: optional(r.user_agent), createdAt: r.created_at,
});

// The cursor names the last event shown by its time and insertion order, as on SQLite.
const cursorOf = (r: EventRow) => `${r.created_at}.${r.seq}`;
function parseCursor(after: string | undefined): { t: number; s: number } | undefined {
  if (after === undefined) return { t: Number.MAX_SAFE_INTEGER, s: 0 };
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(after);
  return m ? { t: Number(m[1]), s: Number(m[2]) } : undefined;
}

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
