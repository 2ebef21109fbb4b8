import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { AuthEvent, AuthEventInput } from '../../src/core/ports.js';
import { AUTH_EVENT_PRUNE_INTERVAL_MS, AUTH_EVENT_RETENTION_MS, createAuditTrail } from '../../src/infra/audit-trail.js';
import { createLogger } from '../../src/logging/logger.js';
import { runInRequestContext } from '../../src/logging/request-context.js';
import type { AuthEventStore } from '../../src/storage/storage.js';
import { manualClock } from '../helpers/clock.js';

function memoryStore(options: { failAppend?: boolean } = {}) {
  const events: AuthEvent[] = [];
  const prunes: number[] = [];
  const store: AuthEventStore = {
    async append(event) {
      if (options.failAppend) throw new Error('disk full');
      events.push(event);
    },
    async listForUser() { return { events: [] }; },
    async deleteBefore(time) { prunes.push(time); return 0; },
  };
  return { store, events, prunes };
}

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (chunk: string) => { lines.push(chunk); } });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const input: AuthEventInput = { type: 'PasswordChange', poolId: 'us-east-1_Test1', userId: 'sub-1', username: 'alice', clientId: 'client-1', outcome: 'Fail', reason: 'NotAuthorized' };

describe('the audit trail', () => {
  it('stamps id, time, IP and user agent, stores the event and logs it as one authEvent object', async () => {
    const { store, events } = memoryStore();
    const { logger, records } = capture();
    const clock = manualClock(1_700_000_000_000);
    const audit = createAuditTrail({ logger, events: store, clock, newId: () => 'event-1' });
    await runInRequestContext({ ip: '203.0.113.7', userAgent: 'agent/1.0', requestId: 'req-9' }, () => audit.record(input));

    const expected: AuthEvent = { ...input, id: 'event-1', createdAt: clock.t, challenges: [], ip: '203.0.113.7', userAgent: 'agent/1.0' };
    assert.deepEqual(JSON.parse(JSON.stringify(events)), [expected]);
    const line = records().find((r) => r.authEvent)!;
    assert.deepEqual(line.authEvent, expected);
    assert.equal(line.reqId, 'req-9');
    assert.equal(line.component, 'audit');
    assert.equal(line.msg, 'auth event PasswordChange Fail');
  });

  it('outside a request it records without IP or user agent, and gives each event its own time-ordered UUID', async () => {
    const { store, events } = memoryStore();
    const audit = createAuditTrail({ logger: capture().logger, events: store, clock: manualClock() });
    await audit.record(input);
    await audit.record(input);
    assert.equal(events[0]!.ip, undefined);
    assert.equal(events[0]!.userAgent, undefined);
    // UUIDv7: time first, so ids of later events sort after earlier ones (the store's index grows at its end).
    for (const e of events) assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(events[0]!.id < events[1]!.id);
  });

  it('keeps only the known fields, so a secret slipped into the input is neither stored nor logged', async () => {
    const { store, events } = memoryStore();
    const { logger, lines } = capture();
    const audit = createAuditTrail({ logger, events: store, clock: manualClock() });
    const sneaky = { ...input, password: 'hunter2-secret', code: '123456', challenges: [{ name: 'Password', response: 'Failure', token: 'tok-secret' }] };
    await audit.record(sneaky as unknown as AuthEventInput);
    const text = lines.join('') + JSON.stringify(events);
    for (const secret of ['hunter2-secret', '123456', 'tok-secret']) assert.equal(text.includes(secret), false, secret);
    assert.deepEqual(events[0]!.challenges, [{ name: 'Password', response: 'Failure' }]);
  });

  it('never fails the flow: a storage error is logged, a throwing logger is ignored', async () => {
    const broken = memoryStore({ failAppend: true });
    const { logger, records } = capture();
    await createAuditTrail({ logger, events: broken.store, clock: manualClock() }).record(input);
    assert.ok(records().some((r) => r.msg === 'could not store an auth event' && r.authEventId), 'storage error logged');
    assert.ok(records().some((r) => r.authEvent), 'the event still reaches the log');

    const throwing = { child: () => ({ info() { throw new Error('log down'); }, error() { throw new Error('log down'); } }) };
    const audit = createAuditTrail({ logger: throwing as never, events: broken.store, clock: manualClock() });
    await audit.record(input);
  });

  it('prunes events older than 90 days, at most once an hour', async () => {
    const { store, prunes } = memoryStore();
    const clock = manualClock(1_700_000_000_000);
    const audit = createAuditTrail({ logger: capture().logger, events: store, clock });
    await audit.record(input);
    await tick();
    assert.deepEqual(prunes, [clock.t - AUTH_EVENT_RETENTION_MS], 'the first event after start prunes');
    clock.advance(AUTH_EVENT_PRUNE_INTERVAL_MS - 1);
    await audit.record(input);
    await tick();
    assert.equal(prunes.length, 1, 'not again within the hour');
    clock.advance(1);
    await audit.record(input);
    await tick();
    assert.deepEqual(prunes.at(-1), clock.t - AUTH_EVENT_RETENTION_MS);
    assert.equal(prunes.length, 2);
  });
});
