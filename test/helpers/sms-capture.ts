import { createServer, type Server } from 'node:http';

export interface CapturedSms {
  phone_number: string;
  message: string;
  pool_id: string;
  username: string;
}

/** A real HTTP server standing in for an SMS gateway: OpenPool's SMS_WEBHOOK_URL posts here. */
export class SmsCapture {
  readonly messages: CapturedSms[] = [];
  /** Answer with this status instead of 204, to test failed deliveries. */
  failWith?: number;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (this.failWith) {
          res.writeHead(this.failWith).end();
          return;
        }
        this.messages.push(JSON.parse(body) as CapturedSms);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/sms`;
  }

  /** The 6-digit code in the latest text to `phone` sent after message number `after`. */
  codeFor(phone: string, after = 0): string {
    const sms = this.messages.slice(after).filter((m) => m.phone_number === phone).at(-1);
    const match = sms?.message.match(/\b(\d{6})\b/);
    if (!match) throw new Error(`no SMS code for ${phone} in ${JSON.stringify(this.messages)}`);
    return match[1]!;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
