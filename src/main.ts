/** The composition root: config → logger → storage → infra → services → HTTP. Nothing else wires. */
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { EXAMPLE_CONFIG } from './config/defaults.js';
import { loadServerConfig, readConfigFile, resolveAdminKeys, toPoolDefinitions, type DatabaseConfig, type ServerConfig } from './config/load.js';
import type { Clock, MessageSender } from './core/ports.js';
import { createServices, type Services } from './core/services.js';
import { buildApp } from './http/build-app.js';
import { createAuditTrail } from './infra/audit-trail.js';
import { createArgon2Hasher } from './infra/argon2-hasher.js';
import { createJoseSigner } from './infra/jose-signer.js';
import { createLogSender } from './infra/log-sender.js';
import { loadMasterKey } from './infra/master-key.js';
import { nodeRandom } from './infra/node-random.js';
import { createSecretBox } from './infra/secret-box.js';
import { createLogSmsSender, createRoutingSender, createWebhookSmsSender } from './infra/sms-sender.js';
import { otplibTotp } from './infra/otplib-totp.js';
import { createSmtpSender } from './infra/smtp-sender.js';
import { systemClock } from './infra/system-clock.js';
import { createUrlIssuer } from './infra/url-issuer.js';
import { createLogger, type Logger } from './logging/logger.js';
import { describeTarget, openPostgres } from './storage/postgres/open.js';
import { openSqlite } from './storage/sqlite/open.js';
import type { Storage } from './storage/storage.js';
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

/** SQLite opens at once; PostgreSQL may still be starting (compose, orchestrators), so it is retried for a bounded time. */
async function openStorage(database: DatabaseConfig, logger: Logger): Promise<Storage> {
  if (database.kind === 'sqlite') return openSqlite(database.file);
  const target = describeTarget(database.url);
  logger.info({ database: target }, 'connecting to PostgreSQL');
  return openPostgres(database.url, {
    connectTimeoutMs: database.connectTimeoutMs,
    onRetry: ({ attempt, delayMs, reason }) => logger.warn({ database: target, attempt, retryInMs: delayMs, reason }, 'PostgreSQL is not reachable yet; retrying'),
    onIdleError: (error) => logger.warn({ database: target, reason: error.message }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  });
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
    const box = createSecretBox(master.key);
    const issuer = createUrlIssuer(config.issuerBaseUrl);
    let email: MessageSender;
    if (config.smtpUrl) {
      const smtp = createSmtpSender(config.smtpUrl, config.mailFrom);
      closers.push(() => smtp.close());
      email = smtp;
    } else {
      email = createLogSender(logger);
    }
    const sms = config.smsWebhookUrl ? createWebhookSmsSender(config.smsWebhookUrl) : createLogSmsSender(logger);
    const sender = createRoutingSender({ email, sms });
    const clock = options.clock ?? systemClock;
    const services = createServices({
      storage, clock, random: nodeRandom, hasher: await createArgon2Hasher(), box, sender, issuer, audit: createAuditTrail(logger), totp: otplibTotp,
      signer: createJoseSigner({ keys: storage.signingKeys, box, clock, issuer }),
    });

    if (configFile) {
      await services.pools.apply(toPoolDefinitions(configFile), config.region);
      logger.info({ configFile: config.configFile }, 'configuration applied');
    } else if (!(await storage.getMeta(SEEDED)) && (await storage.pools.list()).length === 0) {
      await services.pools.apply(toPoolDefinitions(EXAMPLE_CONFIG), config.region);
      await storage.setMeta(SEEDED, new Date().toISOString());
      logger.info('seeded the example user pool');
    }

    const app = await buildApp(services, {
      publicUrl: config.publicUrl,
      secureCookies: config.secureCookies,
      cookieSecret: box.digest('cookie-signing'),
      bodyLimit: 64 * 1024,
      region: config.region,
      adminKeys: config.adminKeys,
      rateLimitPerMinute: config.rateLimitPerMinute,
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
