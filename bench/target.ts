/**
 * Everything the scenarios need from a running server, prepared through its public API only, so
 * the same preparation works on the benchmark's child process and on a test server.
 */
import { adminCall, hostedCodeFlow, oneConnection, type AccessKey, type FlowTokens } from './http.js';
import { BENCH, directoryEmail, signInEmail } from './seed.js';

export interface Target {
  base: URL;
  poolId: string;
  admin: AccessKey;
  clients: typeof BENCH.clients;
  callback: string;
  password: string;
  /** Confirmed users with BENCH.password, made through the API; one per connection at most. */
  users: string[];
  /** One code-flow sign-in per user on the confidential client: refresh tokens, and access tokens with openid. */
  tokens: FlowTokens[];
  /** The users AdminGetUser and ListUsers look up: the large seeded directory, or the sign-in users. */
  directory: { size: number; email(i: number): string };
}

export interface PrepareOptions {
  /** How many sign-in users to create (the largest connection count). */
  users: number;
  /** Users already written into the database with seedDirectory, if any. */
  directorySize?: number;
}

async function inParallel<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

export async function prepareTarget(url: string, options: PrepareOptions): Promise<Target> {
  const base = new URL(url);
  if (base.hostname !== '127.0.0.1') throw new Error(`the benchmark talks to 127.0.0.1 only, not ${base.hostname}`);
  const users = Array.from({ length: options.users }, (_, i) => signInEmail(i));
  // A few at a time: each costs two argon2 hashes on the server, and a burst only queues.
  await inParallel(users.length, 4, async (i) => {
    const agent = oneConnection();
    try {
      const email = users[i]!;
      await adminCall(agent, base, BENCH.admin, 'AdminCreateUser', {
        UserPoolId: BENCH.poolId, Username: email, MessageAction: 'SUPPRESS', TemporaryPassword: `${BENCH.password}-temp`,
        UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
      });
      await adminCall(agent, base, BENCH.admin, 'AdminSetUserPassword', { UserPoolId: BENCH.poolId, Username: email, Password: BENCH.password, Permanent: true });
    } finally {
      agent.destroy();
    }
  });
  const confidential = { id: BENCH.clients.confidential.id, secret: BENCH.clients.confidential.secret, redirectUri: BENCH.callback, scope: BENCH.userScope };
  const tokens = await inParallel(users.length, 4, async (i) => {
    const agent = oneConnection();
    try {
      return await hostedCodeFlow(agent, base, confidential, users[i]!, BENCH.password);
    } finally {
      agent.destroy();
    }
  });
  const directory = options.directorySize
    ? { size: options.directorySize, email: directoryEmail }
    : { size: users.length, email: (i: number) => users[i]! };
  return { base, poolId: BENCH.poolId, admin: BENCH.admin, clients: BENCH.clients, callback: BENCH.callback, password: BENCH.password, users, tokens, directory };
}
