import nodemailer from 'nodemailer';
import type { MessageSender } from '../core/ports.js';

/** Sends mail through the SMTP server at `smtpUrl` (smtp://user:pass@host:port, smtps://…). */
export function createSmtpSender(smtpUrl: string, from: string): MessageSender & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    },
    close: () => transport.close(),
  };
}
