/**
 * What the benchmark runs against: one pool shaped like the example pool (sign-in with email),
 * a public client (USER_PASSWORD_AUTH and the code flow), a confidential client, a
 * client_credentials client with its resource server, and a directory of many users.
 */
import { bundledBreachedPasswords } from '../src/infra/breached-passwords.js';
import { toPoolDefinitions } from '../src/config/load.js';
import type { ConfigFile } from '../src/config/schema.js';
import { buildConfigPlan } from '../src/core/pools/apply-config.js';
import { ARGON2_OPTIONS } from '../src/infra/argon2-hasher.js';
import { loadMasterKey } from '../src/infra/master-key.js';
import { nodeRandom } from '../src/infra/node-random.js';
import { createSecretBox } from '../src/infra/secret-box.js';
import { systemClock } from '../src/infra/system-clock.js';
import { openSqlite } from '../src/storage/sqlite/open.js';
import argon2 from 'argon2';

export const BENCH = {
  region: 'us-east-1',
  poolId: 'us-east-1_BenchPool1',
  password: 'Bench-Correct-Horse-9',
  callback: 'http://localhost:3000/callback',
  admin: { accessKeyId: 'benchadmin', secretAccessKey: 'bench-admin-secret-key-not-for-production' },
  clients: {
    public: { id: 'benchpublic000000000000001' },
    confidential: { id: 'benchconfidential000000001', secret: 'benchconfidentialsecret00000000000000000000000001' },
    machine: { id: 'benchmachine00000000000001', secret: 'benchmachinesecret000000000000000000000000000001' },
  },
  resourceServer: 'bench-api',
  machineScope: 'bench-api/read',
  userScope: 'openid email profile',
} as const;

/** Users who sign in during the run (made through the real API); one per connection at most. */
export const signInEmail = (i: number) => `signin.${String(i).padStart(3, '0')}@example.com`;
/** Users of the large directory (written straight into SQLite before the server starts). */
export const directoryEmail = (i: number) => `dir.${String(i).padStart(6, '0')}@example.com`;

export function benchConfig(): ConfigFile {
  return {
    AdminAccessKeys: [{ AccessKeyId: BENCH.admin.accessKeyId, SecretAccessKey: BENCH.admin.secretAccessKey }],
    UserPools: [
      {
        Id: BENCH.poolId,
        PoolName: 'OpenPool Bench',
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Schema: [{ Name: 'email', Required: true }],
        Clients: [
          {
            ClientId: BENCH.clients.public.id,
            ClientName: 'bench-public',
            CallbackURLs: [BENCH.callback],
            AllowedOAuthFlows: ['code'],
            AllowedOAuthScopes: ['openid', 'email', 'profile'],
            AllowedOAuthFlowsUserPoolClient: true,
            ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          },
          {
            ClientId: BENCH.clients.confidential.id,
            ClientName: 'bench-confidential',
            ClientSecret: BENCH.clients.confidential.secret,
            CallbackURLs: [BENCH.callback],
            AllowedOAuthFlows: ['code'],
            AllowedOAuthScopes: ['openid', 'email', 'profile'],
            AllowedOAuthFlowsUserPoolClient: true,
            ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
          },
          {
            ClientId: BENCH.clients.machine.id,
            ClientName: 'bench-machine',
            ClientSecret: BENCH.clients.machine.secret,
            AllowedOAuthFlows: ['client_credentials'],
            AllowedOAuthScopes: [BENCH.machineScope],
            AllowedOAuthFlowsUserPoolClient: true,
          },
        ],
        ResourceServers: [{ Identifier: BENCH.resourceServer, Name: 'Bench API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }],
      },
    ],
  };
}

/**
 * Writes `count` confirmed users into a fresh SQLite file before the server starts, in one
 * transaction. The rows come from the same code the config file uses (buildConfigPlan, then the
 * SQLite store's applyConfig), so they are shaped exactly as the server writes them; only the
 * argon2 hash is computed once and shared, which is what makes 100,000 users take seconds.
 * The pool row is written too (the users need it); the server's own --config then updates it
 * and adds the clients. Users get no SRP verifier, as users imported with a hash only.
 */
export async function seedDirectory(dbFile: string, count: number): Promise<{ users: number; ms: number }> {
  const started = performance.now();
  const storage = openSqlite(dbFile);
  try {
    const passwordHash = await argon2.hash(BENCH.password, ARGON2_OPTIONS);
    const hasher = {
      hash: async () => passwordHash,
      verify: (hash: string, password: string) => argon2.verify(hash, password),
      verifyDummy: async () => undefined,
      needsRehash: () => false,
    };
    // The same key file the server will read, so anything sealed here opens there.
    const box = createSecretBox(loadMasterKey(undefined, dbFile).key);
    const [pool] = toPoolDefinitions(benchConfig());
    const definition = {
      ...pool!,
      clients: [],
      groups: [],
      resourceServers: [],
      users: Array.from({ length: count }, (_, i) => ({
        path: ['users', i], username: directoryEmail(i), password: BENCH.password,
        attributes: { email: directoryEmail(i), name: `Directory User ${i}` }, groups: [], enabled: true,
      })),
    };
    const plan = await buildConfigPlan({ storage, clock: systemClock, random: nodeRandom, hasher, box, breachedPasswords: bundledBreachedPasswords((message) => { throw new Error(message); }) }, [definition], BENCH.region);
    await storage.applyConfig(plan);
    return { users: plan.users.length, ms: performance.now() - started };
  } finally {
    await storage.close();
  }
}
