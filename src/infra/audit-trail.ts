import type { AuditTrail } from '../core/ports.js';
import type { Logger } from '../logging/logger.js';

/**
 * The audit trail as structured log lines (`authEvent`). Recording never fails the flow that
 * reports it: an identity server must not refuse a sign-in because its log is unwell.
 */
export function createAuditTrail(logger: Logger): AuditTrail {
  const log = logger.child({ component: 'audit' });
  return {
    async record(event) {
      try {
        log.info({ authEvent: event }, `auth event ${event.type} ${event.outcome}`);
      } catch {
        // A logger that throws must not take a sign-in down with it.
      }
    },
  };
}
