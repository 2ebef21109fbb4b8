/** The composition root: config → logger → storage → infra → services → HTTP. Nothing else wires. */
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { EXAMPLE_CONFIG } from './config/defaults.js';
import { loadSecretKey, loadServerConfig, readConfigFile, resolveAdminKeys, toPoolDefinitions, type DatabaseConfig, type RedisConfig, type ServerConfig } from './config/load.js';
import { ConfigError } from './core/pools/apply-config.js';
import type { Clock, MessageSender, SecretBox } from './core/ports.js';
import { createServices, type Services } from './core/services.js';
import { createAuditTrail } from './infra/audit-trail.js';
import { createArgon2Hasher } from './infra/argon2-hasher.js';
import { bundledBreachedPasswords } from './infra/breached-passwords.js';
import { createJoseSigner } from './infra/jose-signer.js';
import { createLogSender } from './infra/log-sender.js';
import { loadMasterKey } from './infra/master-key.js';
import { nodeRandom } from './infra/node-random.js';
import { createSecretBox } from './infra/secret-box.js';
import { createLogSmsSender, createRoutingSender, createWebhookSmsSender } from './infra/sms-sender.js';
import { otplibTotp } from './infra/otplib-totp.js';
import { systemClock } from './infra/system-clock.js';
import { createRateLimitCounter } from './infra/rate-limit-counter.js';
import { createUrlIssuer } from './infra/url-issuer.js';
import { createLogger, type Logger } from './logging/logger.js';
import type { DataMigration, SqliteSource } from './storage/copy-to-postgres.js';
import { openSqlite } from './storage/sqlite/open.js';
import { DataMigrationError, type RateLimitStore, type Storage } from './storage/storage.js';
import { startupSummary } from './startup-summary.js';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  argv?: string[];
  cwd?: string;
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: pino.DestinationStream;
  /** Print the Postman summary (the CLI does; tests do not). */
  printSummary?: boolean;
  /** The server's clock; tests inject one they can move forward instead of sleeping. */
  clock?: Clock;
}

export interface OpenPool {
  app: FastifyInstance;
  config: ServerConfig;
  services: Services;
  /** The address it listens on, e.g. http://127.0.0.1:9229. */
  address: string;
  close(): Promise<void>;
}

const SEEDED = 'example_seeded';

/** The infra and services both the server and the operator commands run on. */
async function composeServices(config: ServerConfig, storage: Storage, logger: Logger, clock: Clock, sender: MessageSender,
  master: { key: Buffer }): Promise<{ services: Services; box: SecretBox }> {
  const box = createSecretBox(master.key);
  const issuer = createUrlIssuer(config.issuerBaseUrl);
  const services = createServices({
    storage, clock, random: nodeRandom, hasher: await createArgon2Hasher(), box, sender, issuer,
    audit: createAuditTrail({ logger, events: storage.authEvents, clock }), totp: otplibTotp, breachedPasswords: bundledBreachedPasswords((message) => logger.warn(message)),
    signer: createJoseSigner({ keys: storage.signingKeys, box, clock, issuer }),
  });
  return { services, box };
}

/*
 * PostgreSQL, Redis and SMTP modules are imported only when configured: pg, ioredis and nodemailer
 * hold about 20 MB of heap between them, which a single SQLite process would carry for nothing.
 */

/** SQLite opens at once; PostgreSQL may still be starting (compose, orchestrators), so it is retried for a bounded time. */
async function openStorage(database: DatabaseConfig, logger: Logger): Promise<Storage> {
  if (database.kind === 'sqlite') return openSqlite(database.file);
  const { describeTarget, openPostgres } = await import('./storage/postgres/open.js');
  const target = describeTarget(database.url);
  logger.info({ database: target }, 'connecting to PostgreSQL');
  return openPostgres(database.url, {
    connectTimeoutMs: database.connectTimeoutMs,
    onRetry: ({ attempt, delayMs, reason }) => logger.warn({ database: target, attempt, retryInMs: delayMs, reason }, 'PostgreSQL is not reachable yet; retrying'),
    onIdleError: (error) => logger.warn({ database: target, reason: error.message }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  });
}

/**
 * Where the rate-limit counters every instance shares live: Redis when REDIS_URL is set (waited
 * for at startup like PostgreSQL), else PostgreSQL's table; undefined on SQLite without Redis,
 * where the one process counts in memory.
 */
async function sharedRateLimitStore(config: ServerConfig, storage: Storage, logger: Logger,
  closers: (() => Promise<void> | void)[]): Promise<RateLimitStore | undefined> {
  if (config.redis) {
    const { createRedisRateLimitStore } = await import('./infra/redis-rate-limit-store.js');
    return createRedisRateLimitStore(await openRedis(config.redis, logger, closers));
  }
  return config.database.kind === 'postgres' ? storage.rateLimits : undefined;
}

async function openRedis(redis: RedisConfig, logger: Logger, closers: (() => Promise<void> | void)[]) {
  const { closeRedis, connectRedis, describeRedisTarget } = await import('./infra/redis-client.js');
  const target = describeRedisTarget(redis.url);
  logger.info({ redis: target }, 'connecting to Redis (rate-limit counters)');
  const client = await connectRedis(redis.url, {
    connectTimeoutMs: redis.connectTimeoutMs,
    onRetry: ({ attempt, delayMs, reason }) => logger.warn({ redis: target, attempt, retryInMs: delayMs, reason }, 'Redis is not reachable yet; retrying'),
    onDown: () => logger.warn({ redis: target }, 'lost the connection to Redis; reconnecting (rate limits are not enforced meanwhile)'),
    onUp: () => logger.info({ redis: target }, 'reconnected to Redis'),
  });
  closers.push(() => closeRedis(client));
  return client;
}

export async function startOpenPool(options: StartOptions = {}): Promise<OpenPool> {
  const baseConfig = loadServerConfig(options.env ?? process.env, options.argv ?? process.argv.slice(2), options.cwd);
  const configFile = baseConfig.configFile ? readConfigFile(baseConfig.configFile) : undefined;
  const config = resolveAdminKeys(baseConfig, configFile);
  const logger = createLogger(config.logLevel, options.logDestination);
  for (const warning of config.warnings) logger.warn(warning);

  const storage = await openStorage(config.database, logger);
  const closers: (() => Promise<void> | void)[] = [() => storage.close()];
  try {
    const master = loadMasterKey(config.secretKey, config.database.kind === 'sqlite' ? config.database.file : undefined);
    if (master.file) logger.info({ masterKeyFile: master.file }, 'master key file (seals client secrets, signing keys and SRP verifiers): keep it out of database backups');
    let email: MessageSender;
    if (config.smtpUrl) {
      const { createSmtpSender } = await import('./infra/smtp-sender.js');
      const smtp = createSmtpSender(config.smtpUrl, config.mailFrom);
      closers.push(() => smtp.close());
      email = smtp;
    } else {
      email = createLogSender(logger);
    }
    const sms = config.smsWebhookUrl ? createWebhookSmsSender(config.smsWebhookUrl) : createLogSmsSender(logger);
    const clock = options.clock ?? systemClock;
    const { services, box } = await composeServices(config, storage, logger, clock, createRoutingSender({ email, sms }), master);
    const rateLimitStore = await sharedRateLimitStore(config, storage, logger, closers);

    // Instances starting together over one database take turns, so each sees the pools, clients
    // and secrets the previous one wrote instead of creating its own (or a second example pool).
    await storage.exclusive('config', async () => {
      if (configFile) {
        await services.pools.apply(toPoolDefinitions(configFile), config.region);
        logger.info({ configFile: config.configFile }, 'configuration applied');
      } else if (!(await storage.getMeta(SEEDED)) && (await storage.pools.list()).length === 0) {
        await services.pools.apply(toPoolDefinitions(EXAMPLE_CONFIG), config.region);
        await storage.setMeta(SEEDED, new Date().toISOString());
        logger.info('seeded the example user pool');
      }
    });

    // Imported here, not above, so operator commands (which never serve) start without loading Fastify.
    const { buildApp } = await import('./http/build-app.js');
    const app = await buildApp(services, {
      publicUrl: config.publicUrl,
      secureCookies: config.secureCookies,
      cookieSecret: box.digest('cookie-signing'),
      bodyLimit: 64 * 1024,
      region: config.region,
      adminKeys: config.adminKeys,
      rateLimitPerMinute: config.rateLimitPerMinute,
      trustProxy: config.trustProxy,
      // Instances sharing Redis or PostgreSQL must share one budget; one SQLite process counts in memory.
      sharedRateLimits: rateLimitStore ? createRateLimitCounter({ store: rateLimitStore, box, clock, logger }) : undefined,
    }, logger);
    closers.unshift(() => app.close());
    const address = await app.listen({ port: config.port, host: config.host });
    const close = async () => {
      for (const fn of closers) await fn();
    };
    if (options.printSummary) process.stdout.write(await startupSummary(services, config));
    return { app, config, services, address, close };
  } catch (error) {
    for (const fn of closers) await fn();
    throw error;
  }
}

export interface OperatorSession {
  config: ServerConfig;
  services: Services;
  close(): Promise<void>;
}

/**
 * What an operator command (`openpool keys …`) works on: the database and master key the server
 * would use (same environment), with the same services, but no HTTP, no mail and no config file.
 * It never creates a database or a master key file: pointed at the wrong path, a command would
 * otherwise work on an empty database of its own and report success.
 */
export async function openOperatorSession(options: Pick<StartOptions, 'env' | 'cwd' | 'clock' | 'logDestination'> = {}): Promise<OperatorSession> {
  const config = loadServerConfig(options.env ?? process.env, [], options.cwd);
  const database = config.database;
  if (database.kind === 'sqlite' && (database.file === ':memory:' || !existsSync(database.file))) {
    throw new ConfigError([{ path: ['DATABASE_URL'], message: `no OpenPool database at ${database.file} (set DATABASE_URL to the one the server uses)` }]);
  }
  let master: { key: Buffer };
  try {
    master = loadMasterKey(config.secretKey, database.kind === 'sqlite' ? database.file : undefined, { create: false });
  } catch (error) {
    throw new ConfigError([{ path: ['OPENPOOL_SECRET_KEY'], message: (error as Error).message }]);
  }
  // The command's output is its own: log lines go to stderr, and only warnings or worse.
  const level = ['fatal', 'error', 'silent'].includes(config.logLevel) ? config.logLevel : 'warn';
  const logger = createLogger(level, options.logDestination ?? pino.destination(2));
  const storage = await openStorage(database, logger);
  try {
    const { services } = await composeServices(config, storage, logger, options.clock ?? systemClock, createLogSender(logger), master);
    return { config, services, close: () => storage.close() };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/**
 * The master key the copied data is sealed with, which every instance on the target must use:
 * OPENPOOL_SECRET_KEY as set for the command, or the key file beside the SQLite database.
 * `verified` says a sealed value was opened with it (false when nothing is sealed yet).
 */
export type SealingKey =
  | { kind: 'environment'; verified: boolean }
  | { kind: 'file'; file: string; verified: boolean; environmentDiffers: boolean }
  | { kind: 'none' };

export interface DataMigrationReport extends DataMigration {
  from: string;
  /** host:port/database, never the password. */
  to: string;
  key: SealingKey;
}

function sealingKey(source: SqliteSource, secret: string | undefined): SealingKey {
  const fromEnvironment = secret ? loadMasterKey(secret, undefined).key : undefined;
  let fromFile: { key: Buffer; file?: string } | undefined;
  try {
    fromFile = loadMasterKey(undefined, source.file, { create: false });
  } catch {
    fromFile = undefined;
  }
  const sample = source.sealedSample;
  if (sample === undefined) {
    if (fromEnvironment) return { kind: 'environment', verified: false };
    return fromFile ? { kind: 'file', file: fromFile.file!, verified: false, environmentDiffers: false } : { kind: 'none' };
  }
  const opens = (key: Buffer) => {
    try {
      createSecretBox(key).open(sample);
      return true;
    } catch {
      return false;
    }
  };
  if (fromEnvironment && opens(fromEnvironment)) return { kind: 'environment', verified: true };
  if (fromFile && opens(fromFile.key)) return { kind: 'file', file: fromFile.file!, verified: true, environmentDiffers: fromEnvironment !== undefined };
  // Copied under a key nobody holds, the data would be useless, and only a failed start would say so.
  const tried = [fromEnvironment ? 'OPENPOOL_SECRET_KEY (as set for this command)' : '', fromFile ? `the key file ${fromFile.file}` : ''].filter(Boolean);
  throw new DataMigrationError(tried.length === 0
    ? `no master key to check ${source.file} with: OPENPOOL_SECRET_KEY is not set and there is no openpool.key beside it. Run migrate-data with the OPENPOOL_SECRET_KEY the server uses; nothing was copied`
    : `${tried.join(' and ')} cannot open the sealed data in ${source.file}: run migrate-data with the master key the server uses; nothing was copied`);
}

/**
 * `openpool migrate-data`: checks which master key seals the SQLite database, then copies it into
 * the (empty) PostgreSQL database. Nothing is re-sealed: the same key must serve the target.
 */
export async function migrateData(options: { from: string; to: string; env?: NodeJS.ProcessEnv }): Promise<DataMigrationReport> {
  const secret = loadSecretKey(options.env ?? process.env);
  const { copyToPostgres, openSqliteSource } = await import('./storage/copy-to-postgres.js');
  const { describeTarget } = await import('./storage/postgres/open.js');
  const source = openSqliteSource(options.from);
  try {
    const key = sealingKey(source, secret);
    const copy = await copyToPostgres(source, options.to);
    return { ...copy, from: source.file, to: describeTarget(options.to), key };
  } finally {
    source.close();
  }
}
