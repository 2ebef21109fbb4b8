/** The audit trail on better-sqlite3. */
import type Database from 'better-sqlite3';
import type { AuthEvent } from '../../core/ports.js';
import type { AuthEventStore } from '../storage.js';
import { fromJson, optional, toJson } from './json.js';

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

// The cursor names the last event shown by its time and insertion order.
const cursorOf = (r: EventRow) => `${r.created_at}.${r.seq}`;
function parseCursor(after: string | undefined): { t: number; s: number } | undefined {
  if (after === undefined) return { t: Number.MAX_SAFE_INTEGER, s: 0 };
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(after);
  return m ? { t: Number(m[1]), s: Number(m[2]) } : undefined;
}

export function createAuditStore(db: Database.Database): AuthEventStore {
  const q = {
    // The user is looked up in the insert, so an event that outlives its user is kept without it
    // instead of failing the foreign key.
    insert: db.prepare(`INSERT INTO auth_events (id, pool_id, user_id, username, client_id, type, outcome, reason, challenges,
        ip, user_agent, created_at)
      VALUES (@id, @poolId, (SELECT id FROM users WHERE id = @userId AND pool_id = @poolId), @username, @clientId, @type,
        @outcome, @reason, @challenges, @ip, @userAgent, @createdAt)`),
    page: db.prepare<{ poolId: string; userId: string; t: number; s: number; limit: number }, EventRow>(`SELECT * FROM auth_events
      WHERE user_id = @userId AND pool_id = @poolId AND (created_at, seq) < (@t, @s)
      ORDER BY created_at DESC, seq DESC LIMIT @limit`),
    deleteBefore: db.prepare('DELETE FROM auth_events WHERE created_at < ?'),
  };
  return {
    async append(e) {
      q.insert.run({
        id: e.id, poolId: e.poolId, userId: e.userId ?? null, username: e.username ?? null, clientId: e.clientId ?? null,
        type: e.type, outcome: e.outcome, reason: e.reason ?? null, challenges: toJson(e.challenges), ip: e.ip ?? null,
        userAgent: e.userAgent ?? null, createdAt: e.createdAt,
      });
    },
    async listForUser(poolId, userId, { limit, after }) {
      const cursor = parseCursor(after);
      if (!cursor || limit <= 0) return { events: [] };
      const rows = q.page.all({ poolId, userId, ...cursor, limit: limit + 1 });
      const shown = rows.slice(0, limit);
      return { events: shown.map(eventFromRow), next: rows.length > limit ? cursorOf(shown[shown.length - 1]!) : undefined };
    },
    async deleteBefore(time) { return q.deleteBefore.run(time).changes; },
  };
}
