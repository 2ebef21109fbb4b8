import type { MessageSender } from '../core/ports.js';
import type { Logger } from '../logging/logger.js';

/**
 * Development sender: with no SMTP server configured, the message goes to the log so that a
 * local user can still read their code. Never used when SMTP_URL is set.
 */
export function createLogSender(logger: Logger): MessageSender {
  return {
    async send(message) {
      logger.warn(
        { mail: { to: message.to, subject: message.subject, kind: message.kind, poolId: message.poolId } },
        `[dev mail, no SMTP_URL] To: ${message.to} | Subject: ${message.subject} | ${message.text}`,
      );
    },
  };
}
