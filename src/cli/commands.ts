/**
 * The verbs of the `openpool` command line. With no verb (or `serve`) it runs the server; every
 * other verb is an operator command that opens the server's database, does one thing, prints what
 * it did and exits: 0 done, 1 failed (e.g. an unknown user pool), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { isPostgresUrl } from '../config/schema.js';
import { isAppError } from '../errors/app-error.js';
import { ConfigError } from '../core/pools/apply-config.js';
import type { OperatorSession } from '../main.js';
import { DataMigrationError, StorageUnavailableError } from '../storage/storage.js';
import { keysList, keysRotate } from './keys.js';
import { migrateDataCommand } from './migrate-data.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface OptionSpec {
  required?: boolean;
  choices?: readonly string[];
  /** What is wrong with a given value (bad usage, exit 2), or undefined when it is fine. */
  check?: (value: string) => string | undefined;
}

type Options = Record<string, string | undefined>;

/** An operator verb: its words, its `--name value` options, and what it does with an open session. */
export interface SessionCommand {
  words: readonly string[];
  options: Record<string, OptionSpec>;
  standalone?: undefined;
  run(session: OperatorSession, options: Options, io: CliIo): Promise<number>;
}

/** A verb that names its own databases in its options (migrate-data), so it opens no session of the server's. */
export interface StandaloneCommand {
  words: readonly string[];
  options: Record<string, OptionSpec>;
  standalone: true;
  run(options: Options, io: CliIo): Promise<number>;
}

export type OperatorCommand = SessionCommand | StandaloneCommand;

/** Registry of operator verbs; a new one is one more entry and a line of USAGE. */
const COMMANDS: readonly OperatorCommand[] = [
  { words: ['keys', 'rotate'], options: { pool: { required: true }, purpose: { choices: ['id', 'access'] } }, run: keysRotate },
  { words: ['keys', 'list'], options: { pool: { required: true } }, run: keysList },
  {
    words: ['migrate-data'],
    options: {
      from: { required: true, check: (v) => (/^sqlite:.+/.test(v) && v !== 'sqlite::memory:' ? undefined : '--from must be sqlite:<path to the OpenPool database file>') },
      to: { required: true, check: (v) => (isPostgresUrl(v) ? undefined : '--to must be postgres://user:password@host:port/database') },
    },
    standalone: true,
    run: migrateDataCommand,
  },
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
  openpool migrate-data --from sqlite:<file> --to postgres://user:password@host:port/database
      Copy every table of a SQLite OpenPool database into an empty PostgreSQL database (created
      with CREATE DATABASE; the tables are made here), in one transaction. Stop the server first.
      Sealed values are copied as they are: the PostgreSQL instances need the same master key,
      which this command checks and tells you how to set.
  openpool help
      This text.

Operator commands read the server's environment: DATABASE_URL, and OPENPOOL_SECRET_KEY or the
master key file beside the database (migrate-data reads only OPENPOOL_SECRET_KEY).
Exit status: 0 done, 1 failed (e.g. unknown user pool, a target that holds data), 2 bad usage.
`;

export type Invocation =
  | { kind: 'serve'; argv: string[] }
  | { kind: 'help' }
  | { kind: 'run'; command: OperatorCommand; options: Options }
  | { kind: 'usage'; problem: string };

function parseOptions(args: string[], specs: Record<string, OptionSpec>): Options | string {
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
  const result: Options = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = (values[name] as string[] | undefined) ?? [];
    // Which of two --pool values an operator meant is not ours to guess.
    if (given.length > 1) return `--${name} is given more than once`;
    const value = given[0];
    result[name] = value;
    if (spec.required && (typeof value !== 'string' || value === '')) return `--${name} is required`;
    if (typeof value === 'string' && spec.choices && !spec.choices.includes(value)) return `--${name} must be one of ${spec.choices.join(', ')}`;
    const problem = typeof value === 'string' ? spec.check?.(value) : undefined;
    if (problem) return problem;
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
  const { command, options } = invocation;
  let session: OperatorSession | undefined;
  try {
    if (command.standalone) return await command.run(options, io);
    session = await open();
    return await command.run(session, options, io);
  } catch (error) {
    // Expected failures read as one line; anything else keeps its stack for a bug report.
    const expected = error instanceof ConfigError || isAppError(error) || error instanceof StorageUnavailableError || error instanceof DataMigrationError;
    io.err(`openpool: ${expected ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}
