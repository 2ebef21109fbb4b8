/** The audit trail on better-sqlite3. */
import type Database from 'better-sqlite3';
import type { AuthEventStore } from '../storage.js';
import { toJson } from './json.js';
import { cursorOf, eventFromRow, parseCursor, type EventRow } from '../rows.js';

// The cursor names the last event shown by its time and insertion order.

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
