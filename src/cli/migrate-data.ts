/** `openpool migrate-data --from sqlite:<file> --to postgres://…`: move a SQLite OpenPool database to PostgreSQL. */
import { isAbsolute, resolve } from 'node:path';
import { migrateData, type SealingKey } from '../main.js';
import type { CliIo } from './commands.js';

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * How the operator carries the master key over. The key itself is never printed: it would land
 * in terminal scrollback and CI logs, and whoever holds it can open every sealed secret and
 * forge every keyed digest. The command says where it is and how to pass it on instead.
 */
function keyAdvice(key: SealingKey): string[] {
  const consequence = 'With any other key the client secrets, signing keys, SRP verifiers and TOTP secrets do not open, and '
    + 'refresh tokens, sessions and codes (stored as digests keyed by it) stop matching.';
  const unchecked = ' (Nothing in the database is sealed yet, so this could not be checked.)';
  switch (key.kind) {
    case 'environment':
      return [
        `Master key: the data is sealed with OPENPOOL_SECRET_KEY as set for this command${key.verified ? ' (checked: it opens the sealed data)' : ''}.`,
        'Start every OpenPool instance on PostgreSQL with that same OPENPOOL_SECRET_KEY.',
        consequence + (key.verified ? '' : unchecked),
      ];
    case 'file':
      return [
        `Master key: the data is sealed with the key in ${key.file}${key.verified ? ' (checked: it opens the sealed data)' : ''}.`,
        'PostgreSQL has no key file beside it: give every OpenPool instance that key as',
        `  OPENPOOL_SECRET_KEY=base64:<the content of ${key.file}>`,
        `for example  export OPENPOOL_SECRET_KEY="base64:$(cat ${shellQuote(key.file)})"  or through your secret store.`,
        'The key is not printed here, so it stays out of terminal scrollback and logs; keep the file as safe as the database.',
        consequence + (key.verified ? '' : unchecked),
        ...(key.environmentDiffers ? ['OPENPOOL_SECRET_KEY as set for this command does not open this data: do not give it to the PostgreSQL instances.'] : []),
      ];
    case 'none':
      return ['Master key: nothing in the database is sealed yet and no key was found; choose one OPENPOOL_SECRET_KEY and give it to every instance.'];
  }
}

export async function migrateDataCommand(options: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const path = options.from!.slice('sqlite:'.length);
  const from = isAbsolute(path) ? path : resolve(process.cwd(), path);
  const report = await migrateData({ from, to: options.to! });
  const width = Math.max(...report.tables.map((t) => t.table.length), 'total'.length);
  const digits = String(report.tables.reduce((n, t) => n + t.rows, 0)).length;
  const row = (name: string, rows: number) => `  ${name.padEnd(width)}  ${String(rows).padStart(digits)}`;
  const lines = [
    `Copied ${report.from} into PostgreSQL at ${report.to} (both at migration ${String(report.version).padStart(4, '0')}), `
      + `in one transaction, in ${(report.elapsedMs / 1000).toFixed(1)} s. Rows per table:`,
    ...report.tables.map((t) => row(t.table, t.rows)),
    row('total', report.tables.reduce((n, t) => n + t.rows, 0)),
    '',
    ...keyAdvice(report.key),
    '',
    'Then start OpenPool with DATABASE_URL set to the --to URL. Keep the SQLite file until the new setup has served sign-ins.',
  ];
  io.out(`${lines.join('\n')}\n`);
  return 0;
}
