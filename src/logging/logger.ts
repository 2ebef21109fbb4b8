import pino, { type LoggerOptions } from 'pino';

/** Query parameters that carry secrets; their values never reach the log. */
const SECRET_PARAMS = new Set([
  'code', 'confirmation_code', 'token', 'access_token', 'id_token', 'refresh_token', 'client_secret',
  'password', 'code_verifier', 'state', 'nonce',
]);

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.has(key.toLowerCase())) params.set(key, '[Redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Paths pino blanks out wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amz-security-token"]',
  'res.headers["set-cookie"]',
  'password', '*.password', 'newPassword', '*.newPassword', 'previousPassword', '*.previousPassword',
  'code', '*.code', 'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'token', '*.token', 'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'idToken', '*.idToken',
  'Password', '*.Password', 'ConfirmationCode', '*.ConfirmationCode', 'SecretHash', '*.SecretHash',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id?: string; headers?: Record<string, unknown> }) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip, userAgent: req.headers?.['user-agent'] };
      },
    },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino(loggerOptions(level), destination);
}
export type Logger = pino.Logger;
