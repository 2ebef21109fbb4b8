/**
 * cognito-local as `npm run bench -- compare` runs it: what its own `cognito-local` command does
 * (createDefaultServer, HOST and PORT from the environment, data in ./.cognito under the working
 * directory, which the harness makes a fresh temporary folder), except that its log is plain
 * JSON lines at info level instead of pino-pretty's colours. Its request log is at debug level,
 * so at info it writes no line per request. The package is loaded from $COGNITO_LOCAL_MODULE
 * (its folder in bench/.compare, installed on demand, never a dependency).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.env.COGNITO_LOCAL_MODULE;
if (!dir || !process.env.PORT) {
  console.error('cognito-local-server: needs PORT and COGNITO_LOCAL_MODULE');
  process.exit(2);
}
const require = createRequire(join(dir, 'package.json'));
const { createDefaultServer } = require('./lib/server');
const pino = require('pino');

const logger = pino({ level: 'info' });
const server = await (await createDefaultServer(logger)).start();
const address = server.address();
console.error(`cognito-local listening on ${typeof address === 'string' ? address : `${address?.address}:${address?.port}`}`);
