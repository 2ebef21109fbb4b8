/** Small builders for core tests: the real adapters, in-memory SQLite, a manual clock and a recording sender. */
import { randomBytes } from 'node:crypto';
import { toClientSettings } from '../../src/cognito/to-domain.js';
import type { UserPoolClientInput } from '../../src/cognito/shapes.js';
import { parseConfigFile, toPoolDefinitions } from '../../src/config/load.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { Client, Group, User, UserPool } from '../../src/core/model.js';
import { buildConfigPlan } from '../../src/core/pools/apply-config.js';
import type { AuditTrail, AuthEventInput, MessageSender, OutgoingMessage, PasswordHasher } from '../../src/core/ports.js';
import { createServices, type Services } from '../../src/core/services.js';
import { createArgon2Hasher } from '../../src/infra/argon2-hasher.js';
import { bundledBreachedPasswords } from '../../src/infra/breached-passwords.js';
import { createJoseSigner } from '../../src/infra/jose-signer.js';
import { otplibTotp } from '../../src/infra/otplib-totp.js';
import { nodeRandom } from '../../src/infra/node-random.js';
import { createSecretBox } from '../../src/infra/secret-box.js';
import { createUrlIssuer } from '../../src/infra/url-issuer.js';
import { openSqlite } from '../../src/storage/sqlite/open.js';

export const ISSUER_BASE = 'http://localhost:9229';
export const STRONG_PASSWORD = 'Corr3ct-Horse!';
export const REGION = 'us-east-1';

import { manualClock, type ManualClock } from '../helpers/clock.js';
export { manualClock, type ManualClock };

export interface RecordingSender extends MessageSender {
  messages: OutgoingMessage[];
}

export function recordingSender(): RecordingSender {
  const messages: OutgoingMessage[] = [];
  return { messages, async send(message) { messages.push(message); } };
}

/** The 6-digit code in a message's text. */
export function codeIn(message: OutgoingMessage | undefined): string {
  const match = message?.text.match(/\b(\d{6})\b/);
  if (!match) throw new Error(`no 6-digit code in ${JSON.stringify(message)}`);
  return match[1]!;
}

let hasher: Promise<PasswordHasher> | undefined;
/** One real argon2 hasher per test process (making it hashes a dummy password). */
export const argon2Hasher = () => (hasher ??= createArgon2Hasher());

export interface RecordingAudit extends AuditTrail {
  events: AuthEventInput[];
}

export function recordingAudit(): RecordingAudit {
  const events: AuthEventInput[] = [];
  return { events, async record(event) { events.push(event); } };
}

export type TestDeps = CoreDeps & { sender: RecordingSender; clock: ManualClock; audit: RecordingAudit };

export async function coreDeps(clock: ManualClock = manualClock()): Promise<TestDeps> {
  const storage = openSqlite(':memory:');
  const box = createSecretBox(randomBytes(32));
  const issuer = createUrlIssuer(ISSUER_BASE);
  return {
    storage, clock, random: nodeRandom, hasher: await argon2Hasher(), box, sender: recordingSender(), issuer, audit: recordingAudit(), totp: otplibTotp, breachedPasswords: bundledBreachedPasswords((message) => { throw new Error(message); }),
    signer: createJoseSigner({ keys: storage.signingKeys, box, clock, issuer }),
  };
}

/** Parses a config file object, plans it and writes it (no signing keys). */
export async function applyFile(deps: CoreDeps, file: unknown) {
  const plan = await buildConfigPlan(deps, toPoolDefinitions(parseConfigFile(file)), REGION);
  await deps.storage.applyConfig(plan);
  return plan;
}

export interface Harness {
  deps: TestDeps;
  services: Services;
  pool: UserPool;
  /** Clients of the first pool by ClientName, secrets opened. */
  clients: Record<string, Client>;
  close(): Promise<void>;
}

/** Services over fresh deps with a one-pool config applied through the core (signing keys included). */
export async function harness(poolConfig: Record<string, unknown>, clock?: ManualClock): Promise<Harness> {
  const deps = await coreDeps(clock);
  const services = createServices(deps);
  const plan = await services.pools.apply(toPoolDefinitions(parseConfigFile({ UserPools: [poolConfig] })), REGION);
  const pool = plan.pools[0]!;
  const clients: Record<string, Client> = {};
  for (const stored of plan.clients) clients[stored.name] = (await services.pools.findClient(stored.id))!.client;
  return { deps, services, pool, clients, close: () => deps.storage.close() };
}

/** A pool that signs in with email, as the example pool does. */
export const emailPoolConfig = (extra: Record<string, unknown> = {}) => ({
  PoolName: 'email pool',
  UsernameAttributes: ['email'],
  AutoVerifiedAttributes: ['email'],
  Schema: [{ Name: 'email', Required: true }],
  ...extra,
});

// In-memory records for pure functions.

export function clientOf(input: Partial<UserPoolClientInput> = {}, id = 'client-1'): Client {
  return {
    id, poolId: 'us-east-1_Test1', name: input.ClientName ?? 'test', createdAt: 0, updatedAt: 0,
    settings: toClientSettings({ ClientName: 'test', ...input }),
  };
}

export function userOf(attributes: Record<string, string>, username = 'alice'): User {
  return {
    id: 'sub-1', poolId: 'us-east-1_Test1', username, status: 'CONFIRMED', enabled: true, passwordHash: null,
    attributes: { sub: 'sub-1', ...attributes }, createdAt: 0, updatedAt: 0, passwordUpdatedAt: 0,
  };
}

export const groupOf = (name: string, precedence?: number, roleArn?: string): Group => ({
  poolId: 'us-east-1_Test1', name, precedence, roleArn, createdAt: 0, updatedAt: 0,
});
