/** The composition root: config → logger → storage → infra → services → HTTP. Nothing else wires. */
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { EXAMPLE_CONFIG } from './config/defaults.js';
import { loadServerConfig, readConfigFile, resolveAdminKeys, toPoolDefinitions, type ServerConfig } from './config/load.js';
import type { Clock, MessageSender } from './core/ports.js';
import { createServices, type Services } from './core/services.js';
import { buildApp } from './http/build-app.js';
import { createAuditTrail } from './infra/audit-trail.js';
import { createArgon2Hasher } from './infra/argon2-hasher.js';
import { bundledBreachedPasswords } from './infra/breached-passwords.js';
import { createJoseSigner } from './infra/jose-signer.js';
import { createLogSender } from './infra/log-sender.js';
import { loadMasterKey } from './infra/master-key.js';
import { nodeRandom } from './infra/node-random.js';
import { createSecretBox } from './infra/secret-box.js';
import { createSmtpSender } from './infra/smtp-sender.js';
import { systemClock } from './infra/system-clock.js';
import { createUrlIssuer } from './infra/url-issuer.js';
import { createLogger } from './logging/logger.js';
import { openSqlite } from './storage/sqlite/open.js';
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

export async function startOpenPool(options: StartOptions = {}): Promise<OpenPool> {
  const baseConfig = loadServerConfig(options.env ?? process.env, options.argv ?? process.argv.slice(2), options.cwd);
  const configFile = baseConfig.configFile ? readConfigFile(baseConfig.configFile) : undefined;
  const config = resolveAdminKeys(baseConfig, configFile);
  const logger = createLogger(config.logLevel, options.logDestination);
  for (const warning of config.warnings) logger.warn(warning);

  const storage = openSqlite(config.database.file);
  const closers: (() => Promise<void> | void)[] = [() => storage.close()];
  try {
    const master = loadMasterKey(config.secretKey, config.database.file);
    if (master.file) logger.info({ masterKeyFile: master.file }, 'master key file (seals client secrets, signing keys and SRP verifiers): keep it out of database backups');
    const box = createSecretBox(master.key);
    const issuer = createUrlIssuer(config.issuerBaseUrl);
    let sender: MessageSender;
    if (config.smtpUrl) {
      const smtp = createSmtpSender(config.smtpUrl, config.mailFrom);
      closers.push(() => smtp.close());
      sender = smtp;
    } else {
      sender = createLogSender(logger);
    }
    const clock = options.clock ?? systemClock;
    const services = createServices({
      storage, clock, random: nodeRandom, hasher: await createArgon2Hasher(), box, sender, issuer, audit: createAuditTrail(logger),
      breachedPasswords: bundledBreachedPasswords,
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
