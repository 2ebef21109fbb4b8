#!/usr/bin/env node
import { ConfigError } from './core/pools/apply-config.js';
import { startOpenPool } from './main.js';
import { StorageUnavailableError } from './storage/storage.js';

try {
  const server = await startOpenPool({ printSummary: true });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(() => process.exit(0), (error) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError || error instanceof StorageUnavailableError) {
    console.error(`OpenPool did not start: ${error.message}`);
  } else {
    console.error('OpenPool did not start:', error);
  }
  process.exit(1);
}
