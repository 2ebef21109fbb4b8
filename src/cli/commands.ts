/**
 * The verbs of the `openpool` command line. With no verb (or `serve`) it runs the server; every
 * other verb is an operator command that opens the server's database, does one thing, prints what
 * it did and exits: 0 done, 1 failed (e.g. an unknown user pool), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { isAppError } from '../errors/app-error.js';
import { ConfigError } from '../core/pools/apply-config.js';
import type { OperatorSession } from '../main.js';
import { keysList, keysRotate } from './keys.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface OptionSpec {
  required?: boolean;
  choices?: readonly string[];
}

/** An operator verb: its words, its `--name value` options, and what it does with an open session. */
export interface OperatorCommand {
  words: readonly string[];
  options: Record<string, OptionSpec>;
  run(session: OperatorSession, options: Record<string, string | undefined>, io: CliIo): Promise<number>;
}

/** Registry of operator verbs; a new one (e.g. `migrate-data`) is one more entry and a line of USAGE. */
const COMMANDS: readonly OperatorCommand[] = [
  { words: ['keys', 'rotate'], options: { pool: { required: true }, purpose: { choices: ['id', 'access'] } }, run: keysRotate },
  { words: ['keys', 'list'], options: { pool: { required: true } }, run: keysList },
];

export const USAGE = `Usage:
  openpool [serve] [--config <file>]
      Run the server (the default).
  openpool keys rotate --pool <poolId> [--purpose id|access]
      Give the user pool new signing keys (both, or one purpose). The old keys stay in the JWKS
      until every token they signed has expired; running servers sign with the new keys within
      30 seconds.
  openpool keys list --pool <poolId>
      The pool's signing keys, and which of them the JWKS publishes until when.
  openpool help
      This text.

Operator commands read the server's environment: DATABASE_URL, and OPENPOOL_SECRET_KEY or the
master key file beside the database.
Exit status: 0 done, 1 failed (e.g. unknown user pool), 2 bad usage.
`;

export type Invocation =
  | { kind: 'serve'; argv: string[] }
  | { kind: 'help' }
  | { kind: 'run'; command: OperatorCommand; options: Record<string, string | undefined> }
  | { kind: 'usage'; problem: string };

function parseOptions(args: string[], specs: Record<string, OptionSpec>): Record<string, string | undefined> | string {
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({
      args,
      options: Object.fromEntries(Object.keys(specs).map((name) => [name, { type: 'string' as const, multiple: true as const }])),
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values;
  } catch (error) {
    return (error as Error).message;
  }
  const result: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = (values[name] as string[] | undefined) ?? [];
    // Which of two --pool values an operator meant is not ours to guess.
    if (given.length > 1) return `--${name} is given more than once`;
    const value = given[0];
    result[name] = value;
    if (spec.required && (typeof value !== 'string' || value === '')) return `--${name} is required`;
    if (typeof value === 'string' && spec.choices && !spec.choices.includes(value)) return `--${name} must be one of ${spec.choices.join(', ')}`;
  }
  return result;
}

export function parseInvocation(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === 'help' || first === '--help' || first === '-h') return { kind: 'help' };
  // `openpool --config file` has always meant serve, so options without a verb still do.
  if (first === undefined || first === 'serve' || first.startsWith('-')) {
    const serveArgs = first === 'serve' ? rest : [...argv];
    const checked = parseOptions(serveArgs, { config: {} });
    return typeof checked === 'string' ? { kind: 'usage', problem: checked } : { kind: 'serve', argv: serveArgs };
  }
  const command = COMMANDS.find((c) => c.words.every((w, i) => argv[i] === w));
  if (!command) {
    const known = COMMANDS.filter((c) => c.words[0] === first);
    return { kind: 'usage', problem: known.length > 0 ? `unknown ${first} command: ${argv[1] ?? '(none)'}` : `unknown command: ${first}` };
  }
  const options = parseOptions(argv.slice(command.words.length), command.options);
  return typeof options === 'string' ? { kind: 'usage', problem: options } : { kind: 'run', command, options };
}

/** Runs an operator command (or prints help or usage); returns the exit status. */
export async function runInvocation(
  invocation: Exclude<Invocation, { kind: 'serve' }>,
  io: CliIo,
  open: () => Promise<OperatorSession>,
): Promise<number> {
  if (invocation.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (invocation.kind === 'usage') {
    io.err(`openpool: ${invocation.problem}\n\n${USAGE}`);
    return 2;
  }
  let session: OperatorSession | undefined;
  try {
    session = await open();
    return await invocation.command.run(session, invocation.options, io);
  } catch (error) {
    // Expected failures read as one line; anything else keeps its stack for a bug report.
    const expected = error instanceof ConfigError || isAppError(error);
    io.err(`openpool: ${expected ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}
