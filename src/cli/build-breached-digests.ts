/**
 * Run by `npm run build`: writes the bundled breached-password list as sorted digests to
 * dist/breached-passwords.bin, which servers read a block at a time (src/infra/breached-passwords.ts).
 */
import { breachedDigestsFile } from '../config/paths.js';
import { writeBreachedDigestFile } from '../infra/breached-passwords.js';

const count = writeBreachedDigestFile(breachedDigestsFile);
process.stdout.write(`breached-password digests: ${count} entries in ${breachedDigestsFile}\n`);
