#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=8
import { parseInvocation, runInvocation } from './cli/commands.js';
import { ConfigError } from './core/pools/apply-config.js';
import { openOperatorSession, startOpenPool } from './main.js';
import { StorageUnavailableError } from './storage/storage.js';

const invocation = parseInvocation(process.argv.slice(2));

if (invocation.kind === 'serve') {
  try {
    const server = await startOpenPool({ printSummary: true, argv: invocation.argv });
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
} else {
  process.exitCode = await runInvocation(invocation, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }, () => openOperatorSession());
}
