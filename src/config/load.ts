/** The only module that reads process.env and the config file. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { toClientSettings, toPoolSettings } from '../cognito/to-domain.js';
import { ConfigError, type PoolDefinition } from '../core/pools/apply-config.js';
import type { ValidationIssue } from '../core/pools/rules.js';
import { ConfigFileShape, EnvShape, isPostgresUrl, type ConfigFile } from './schema.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  /** `url` may hold a password: never log it. */
  | { kind: 'postgres'; url: string; connectTimeoutMs: number };

/** `url` may hold a password: never log it (describeRedisTarget). */
export interface RedisConfig { url: string; connectTimeoutMs: number }

export interface ServerConfig {
  port: number;
  host: string;
  publicUrl: string;
  issuerBaseUrl: string;
  database: DatabaseConfig;
  /** Where rate-limit counters live when set (REDIS_URL); otherwise PostgreSQL's table or each process's memory. */
  redis?: RedisConfig;
  configFile?: string;
  region: string;
  smtpUrl?: string;
  /** Where SMS messages are POSTed as JSON; without it they are written to the log. */
  smsWebhookUrl?: string;
  mailFrom: string;
  logLevel: string;
  secretKey?: string;
  secureCookies: boolean;
  /** Per-IP requests a minute to the sign-in, sign-up, code-sending and token endpoints, together. */
  rateLimitPerMinute: number;
  /** Addresses or ranges of reverse proxies trusted to name the client in X-Forwarded-For (TRUST_PROXY). */
  trustProxy?: string;
  /** Keys that may sign admin calls of the Cognito API (see resolveAdminKeys). */
  adminKeys: { accessKeyId: string; secretAccessKey: string }[];
  /** Human-readable warnings about development defaults, printed loudly at boot. */
  warnings: string[];
}

/** zod issues as JSON paths; an unknown field is reported at its own path, one issue per field. */
const zodIssues = (error: z.ZodError, prefix: (string | number)[] = []): ValidationIssue[] =>
  error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (i.code === 'unrecognized_keys') return i.keys.map((key) => ({ path: [...path, key], message: 'unknown field' }));
    return [{ path, message: i.message }];
  });

function argValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2), cwd = process.cwd()): ServerConfig {
  // An empty variable (VAR= in a compose file or shell) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvShape.safeParse(given);
  const issues = parsed.success ? [] : zodIssues(parsed.error);
  const postgres = isPostgresUrl(given.DATABASE_URL ?? '');
  if (postgres && !given.OPENPOOL_SECRET_KEY) {
    issues.push({
      path: ['OPENPOOL_SECRET_KEY'],
      message: 'is required with a PostgreSQL DATABASE_URL: there is no folder beside the database to keep a generated key in, and every instance must seal and read secrets with the same key',
    });
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;
  const localHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const publicUrl = e.PUBLIC_URL ?? `http://${localHost.includes(':') ? `[${localHost}]` : localHost === '127.0.0.1' ? 'localhost' : localHost}:${e.PORT}`;
  let database: DatabaseConfig;
  if (postgres) {
    database = { kind: 'postgres', url: e.DATABASE_URL, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000 };
  } else {
    const filePart = e.DATABASE_URL.slice('sqlite:'.length);
    database = { kind: 'sqlite', file: filePart === ':memory:' ? ':memory:' : isAbsolute(filePart) ? filePart : resolve(cwd, filePart) };
  }
  const configFile = argValue(argv, 'config') ?? e.CONFIG;
  const warnings: string[] = [];
  if (!e.SMTP_URL) warnings.push('SMTP_URL is not set: verification codes are written to the log instead of being emailed.');
  if (!e.OPENPOOL_SECRET_KEY) warnings.push('OPENPOOL_SECRET_KEY is not set: the master key is kept in a file beside the database.');
  let adminKeys: ServerConfig['adminKeys'] = [];
  if (e.ADMIN_ACCESS_KEY_ID && e.ADMIN_SECRET_ACCESS_KEY) {
    adminKeys = [{ accessKeyId: e.ADMIN_ACCESS_KEY_ID, secretAccessKey: e.ADMIN_SECRET_ACCESS_KEY }];
  } else if (e.ADMIN_ACCESS_KEY_ID || e.ADMIN_SECRET_ACCESS_KEY) {
    throw new ConfigError([{ path: ['ADMIN_ACCESS_KEY_ID'], message: 'set both ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY, or neither' }]);
  }
  if (!publicUrl.startsWith('https://')) warnings.push(`PUBLIC_URL ${publicUrl} is not https: cookies are not marked Secure. Use https in production.`);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    issuerBaseUrl: e.ISSUER_BASE_URL ?? publicUrl,
    database,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000 } : undefined,
    configFile: configFile ? resolve(cwd, configFile) : undefined,
    region: e.REGION,
    smtpUrl: e.SMTP_URL,
    smsWebhookUrl: e.SMS_WEBHOOK_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    secretKey: e.OPENPOOL_SECRET_KEY,
    secureCookies: publicUrl.startsWith('https://'),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    adminKeys,
    warnings,
  };
}

/**
 * OPENPOOL_SECRET_KEY alone, for commands that name their databases on the command line
 * (migrate-data) and must not fail over a DATABASE_URL they do not use.
 */
export function loadSecretKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.OPENPOOL_SECRET_KEY;
  if (value === undefined || value === '') return undefined;
  const parsed = EnvShape.shape.OPENPOOL_SECRET_KEY.safeParse(value);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error, ['OPENPOOL_SECRET_KEY']));
  return parsed.data;
}

export function parseConfigFile(json: unknown): ConfigFile {
  const parsed = ConfigFileShape.safeParse(json);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error));
  return parsed.data;
}

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: [], message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ path: [], message: `${path} is not valid JSON: ${(error as Error).message}` }]);
  }
  return parseConfigFile(json);
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/**
 * The keys that may sign admin calls: the environment's pair plus the config file's
 * AdminAccessKeys. With none, the development pair test/test is accepted only while the server
 * listens on a loopback address; on any other address startup stops until real keys are set.
 */
export function resolveAdminKeys(config: ServerConfig, file: ConfigFile | undefined): ServerConfig {
  const fromFile = (file?.AdminAccessKeys ?? []).map((k) => ({ accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey }));
  const adminKeys = [...config.adminKeys, ...fromFile];
  if (adminKeys.length > 0) return { ...config, adminKeys };
  if (!LOOPBACK_HOSTS.includes(config.host)) {
    throw new ConfigError([{ path: ['ADMIN_ACCESS_KEY_ID'], message: `HOST ${config.host} is not a loopback address: set ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY (or AdminAccessKeys in the config file) for the admin API` }]);
  }
  return {
    ...config,
    // The convention local AWS emulators share, so existing test setups sign their calls unchanged.
    adminKeys: [{ accessKeyId: 'test', secretAccessKey: 'test' }],
    warnings: [...config.warnings, 'Admin API keys are the development pair test/test (accepted only because HOST is a loopback address).'],
  };
}

/** Maps the PascalCase file to the domain's pool definitions, keeping each item's JSON path. */
export function toPoolDefinitions(file: ConfigFile): PoolDefinition[] {
  return file.UserPools.map((p, pi) => ({
    path: ['UserPools', pi],
    id: p.Id,
    name: p.PoolName,
    settings: toPoolSettings(p),
    clients: (p.Clients ?? []).map((c, ci) => ({
      path: ['UserPools', pi, 'Clients', ci],
      id: c.ClientId,
      name: c.ClientName,
      secret: c.ClientSecret,
      generateSecret: c.GenerateSecret ?? false,
      settings: toClientSettings(c),
    })),
    groups: (p.Groups ?? []).map((g) => ({ name: g.GroupName, description: g.Description, precedence: g.Precedence, roleArn: g.RoleArn })),
    resourceServers: (p.ResourceServers ?? []).map((rs) => ({
      identifier: rs.Identifier,
      name: rs.Name,
      scopes: (rs.Scopes ?? []).map((s) => ({ name: s.ScopeName, description: s.ScopeDescription })),
    })),
    users: (p.Users ?? []).map((u, ui) => ({
      path: ['UserPools', pi, 'Users', ui],
      username: u.Username,
      password: u.Password,
      temporaryPassword: u.TemporaryPassword,
      attributes: Object.fromEntries((u.UserAttributes ?? []).map((a) => [a.Name, a.Value])),
      groups: u.Groups ?? [],
      enabled: u.Enabled ?? true,
    })),
  }));
}
