import { isIP } from 'node:net';
import { z } from 'zod';
import { AttributeShape, GroupShape, ResourceServerShape, UserPoolClientShape, UserPoolSettingsShape } from '../cognito/shapes.js';

/** A user declared in the config file (created only when absent). */
export const ConfigUserShape = z.strictObject({
  Username: z.string().min(1).max(128),
  Password: z.string().min(1).max(256).optional(),
  TemporaryPassword: z.string().min(1).max(256).optional(),
  UserAttributes: z.array(AttributeShape).optional(),
  Groups: z.array(z.string().min(1).max(128)).optional(),
  Enabled: z.boolean().optional(),
});

export const ConfigPoolShape = z.strictObject({
  ...UserPoolSettingsShape,
  Clients: z.array(UserPoolClientShape).optional(),
  Groups: z.array(GroupShape).optional(),
  ResourceServers: z.array(ResourceServerShape).optional(),
  Users: z.array(ConfigUserShape).optional(),
});

export const ConfigFileShape = z.strictObject({
  $schema: z.string().optional(),
  /** Key pairs that may sign admin calls of the Cognito API (in addition to ADMIN_ACCESS_KEY_ID). */
  AdminAccessKeys: z.array(z.strictObject({
    AccessKeyId: z.string().min(3).max(128).regex(/^\w+$/),
    SecretAccessKey: z.string().min(8).max(256),
  })).max(20).optional(),
  UserPools: z.array(ConfigPoolShape).min(1),
});

export type ConfigFile = z.infer<typeof ConfigFileShape>;
export type ConfigPool = z.infer<typeof ConfigPoolShape>;

/** postgres:// or postgresql:// with a host (or a socket folder in ?host=), as libpq and node-postgres read it. */
export function isPostgresUrl(url: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(url)) return false;
  try {
    const u = new URL(url);
    return u.hostname !== '' || u.searchParams.has('host');
  } catch {
    return false;
  }
}

/** Names proxy-addr (Fastify's trustProxy) knows for common ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** A comma-separated list of addresses, CIDR ranges or range names, as Fastify's trustProxy takes it. */
export function isTrustedProxyList(value: string): boolean {
  return value.split(',').map((v) => v.trim()).every((entry) => {
    if (PROXY_RANGES.includes(entry)) return true;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
}

/** redis:// or rediss:// (TLS) with a host, as ioredis reads it: [user:password@]host[:port][/db]. */
export function isRedisUrl(url: string): boolean {
  if (!/^rediss?:\/\//.test(url)) return false;
  try {
    const u = new URL(url);
    return u.hostname !== '' && /^(\/\d*)?$/.test(u.pathname);
  } catch {
    return false;
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').transform((u) => u.replace(/\/+$/, ''));

/** The process environment OpenPool reads, validated once at boot. */
export const EnvShape = z.object({
  PORT: port.default(9229),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: httpUrl.optional(),
  ISSUER_BASE_URL: httpUrl.optional(),
  DATABASE_URL: z.string()
    .refine((u) => /^sqlite:.+/.test(u) || isPostgresUrl(u), 'must be sqlite:<file path> or postgres://user:password@host:port/database')
    .default('sqlite:./data/openpool.db'),
  /** How long startup retries an unreachable PostgreSQL (and Redis, with REDIS_URL) before giving up. */
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** Where rate-limit counters are kept, shared by every instance using it, whatever DATABASE_URL says. */
  REDIS_URL: z.string()
    .refine(isRedisUrl, 'must be redis://[user:password@]host[:port][/db] or rediss://… (TLS)')
    .optional(),
  CONFIG: z.string().min(1).optional(),
  REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must look like an AWS region, e.g. us-east-1').default('us-east-1'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be smtp:// or smtps://').optional(),
  SMS_WEBHOOK_URL: httpUrl.optional(),
  MAIL_FROM: z.string().min(3).default('OpenPool <no-reply@openpool.local>'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
  /** Reverse proxies whose X-Forwarded-For names the client (rate limits, audit trail); unset, the socket's address is the client's. */
  TRUST_PROXY: z.string().refine(isTrustedProxyList, 'must be a comma-separated list of proxy addresses or CIDR ranges, or loopback, linklocal, uniquelocal').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENPOOL_SECRET_KEY: z.string().min(32, 'must be at least 32 characters')
    .refine((v) => !v.startsWith('base64:') || /^base64:[A-Za-z0-9+/]{43}=$/.test(v), 'base64:<key> must hold exactly 32 bytes, as openpool.key does')
    .optional(),
  ADMIN_ACCESS_KEY_ID: z.string().min(3).max(128).regex(/^\w+$/).optional(),
  ADMIN_SECRET_ACCESS_KEY: z.string().min(8).max(256).optional(),
});
