import type { MessageSender } from '../core/ports.js';
import type { Logger } from '../logging/logger.js';

/** Slow webhooks must not hold a sign-in open for long. */
const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * SMS through a webhook: POSTs {phone_number, message, pool_id, username} as JSON, so a team
 * can route texts to any provider. A non-2xx answer is a failed delivery.
 */
export function createWebhookSmsSender(url: string): MessageSender {
  return {
    async send(message) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone_number: message.to, message: message.text, pool_id: message.poolId, username: message.username }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
    },
  };
}

/** Development SMS: there is no phone network here, so the text goes to the log. */
export function createLogSmsSender(logger: Logger): MessageSender {
  return {
    async send(message) {
      logger.warn({ sms: { kind: message.kind, poolId: message.poolId } }, `[dev SMS, no SMS_WEBHOOK_URL] To: ${message.to} | ${message.text}`);
    },
  };
}

/** One sender for the core: each message goes out on its own channel. */
export function createRoutingSender(channels: { email: MessageSender; sms: MessageSender }): MessageSender {
  return { send: (message) => channels[message.channel].send(message) };
}
