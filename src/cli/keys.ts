/** `openpool keys rotate` and `openpool keys list`: signing keys of a user pool, for operators. */
import type { KeyInfo } from '../core/keys/rotate.js';
import type { KeyPurpose } from '../core/model.js';
import type { OperatorSession } from '../main.js';
import type { CliIo } from './commands.js';

const iso = (ms: number) => new Date(ms).toISOString();

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => `  ${r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')}`.trimEnd()).join('\n');
}

function publication(key: KeyInfo): string {
  if (key.status === 'active') return 'published, signs new tokens';
  if (key.published) return `published until ${iso(key.publishUntil!)}`;
  return `no longer published (since ${key.publishUntil === undefined ? 'retirement' : iso(key.publishUntil)}); removed at the next rotation`;
}

export async function keysRotate(session: OperatorSession, options: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const poolId = options.pool!;
  const purposes = options.purpose ? [options.purpose as KeyPurpose] : undefined;
  const result = await session.services.keys.rotate(poolId, purposes);
  const lines = [`Rotated the signing keys of user pool ${poolId}.`, '', 'New keys (they sign every new token; running servers switch within 30 seconds):'];
  lines.push(table(result.created.map((k) => [k.purpose, k.kid])));
  if (result.retired.length > 0) {
    lines.push('', 'Retired keys (still in the JWKS, so the tokens they signed keep verifying until they expire):');
    lines.push(table(result.retired.map((k) => [k.purpose, k.kid, `published until ${iso(k.publishUntil!)}`])));
  }
  const olderStillPublished = result.keys.filter((k) => k.status === 'retired' && k.published && !result.retired.some((r) => r.kid === k.kid));
  if (olderStillPublished.length > 0) {
    lines.push('', 'Keys retired earlier, still published:');
    lines.push(table(olderStillPublished.map((k) => [k.purpose, k.kid, `published until ${iso(k.publishUntil!)}`])));
  }
  if (result.deleted.length > 0) lines.push('', `Removed (every token they signed has expired): ${result.deleted.join(', ')}`);
  io.out(`${lines.join('\n')}\n`);
  return 0;
}

export async function keysList(session: OperatorSession, options: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const poolId = options.pool!;
  const keys = await session.services.keys.list(poolId);
  if (keys.length === 0) {
    io.out(`User pool ${poolId} has no signing keys.\n`);
    return 0;
  }
  const rows = [['PURPOSE', 'STATUS', 'KID', 'CREATED', 'JWKS'], ...keys.map((k) => [k.purpose, k.status, k.kid, iso(k.createdAt), publication(k)])];
  io.out(`Signing keys of user pool ${poolId}, newest first:\n${table(rows)}\n`);
  return 0;
}
