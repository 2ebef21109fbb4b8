import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { AdminConfirmSignUpCommand, AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createBackendDatabase, type BackendDatabase } from '../helpers/backend.js';
import { untilHealthy } from '../helpers/child-server.js';
import { integrityCheck } from '../helpers/database.js';
import { STRONG_PASSWORD } from '../helpers/flows.js';
import { freePort } from '../helpers/server.js';
import { sdkClient } from '../helpers/sdk.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const POOL_ID = 'us-east-1_Crash0001';
const APP = 'crashapp0000000000000001';
/** Rotates refresh tokens, with a grace period longer than the test: a retried old token still works. */
const ROTATING = 'crashrotate0000000000001';
const USERS = ['ada@example.com', 'grace@example.com', 'edsger@example.com', 'barbara@example.com'];

const CONFIG = {
  UserPools: [{
    Id: POOL_ID,
    PoolName: 'crash',
    UsernameAttributes: ['email'],
    AutoVerifiedAttributes: ['email'],
    Clients: [
      { ClientId: APP, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
      {
        ClientId: ROTATING, ClientName: 'rotating', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 60 },
      },
    ],
    Users: USERS.map((Username) => ({ Username, Password: STRONG_PASSWORD })),
  }],
};

/** Successes needed before the kill, and a bound on how long to wait for them. */
const BEFORE_KILL = { signUps: 25, signIns: 25, rotations: 25 };
const LOAD_DEADLINE_MS = 30_000;

interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
}

/**
 * The real CLI in a child process, killed with SIGKILL while sign-ups, sign-ins and refresh-token
 * rotations are in flight, then restarted on the same database. Every answer the client saw as a
 * success must have been committed: SQLite in WAL mode (synchronous=NORMAL) loses nothing a
 * finished transaction wrote when the process dies, PostgreSQL rolls back the transactions of a
 * connection that vanished (and releases its locks), and the server answers only after committing.
 */
describe('a server killed with SIGKILL under load', () => {
  let dir: string;
  let database: BackendDatabase;
  let port: number;
  let url: string;
  let child: ChildProcess | undefined;
  let output = '';
  let sdk: CognitoIdentityProviderClient;

  async function startServer(): Promise<void> {
    const proc = spawn(process.execPath, [CLI, '--config', join(dir, 'openpool.json')], {
      env: {
        PATH: process.env.PATH ?? '', HOME: dir, PORT: String(port), HOST: '127.0.0.1', ...database.env,
        LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    // Keep the tail of the output for failure messages; reading it also keeps the pipes from filling.
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    await untilHealthy(url, proc, { context: () => output });
  }

  async function killServer(): Promise<void> {
    const proc = child!;
    const gone = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
    proc.kill('SIGKILL');
    assert.equal(await gone, 'SIGKILL');
    child = undefined;
  }

  async function api(operation: string, input: unknown): Promise<ApiAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(input),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  const signIn = (clientId: string, username: string, password = STRONG_PASSWORD) =>
    api('InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } });
  const refresh = (clientId: string, token: string) =>
    api('InitiateAuth', { ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token } });
  const result = (a: ApiAnswer) => a.json.AuthenticationResult as { AccessToken: string; RefreshToken?: string } | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openpool-crash-'));
    database = await createBackendDatabase(dir);
    writeFileSync(join(dir, 'openpool.json'), JSON.stringify(CONFIG));
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    sdk = sdkClient(url);
    await startServer();
  });
  after(async () => {
    sdk?.destroy();
    if (child) await killServer();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every answered sign-up and token, passes the integrity check (SQLite) and serves again after a restart', async (t) => {
    const signedUp: { email: string; sub: string }[] = [];
    const refreshTokens: string[] = [];
    /** The newest refresh token each rotating chain has been given. */
    const chains: string[] = [];
    let rotations = 0;
    let inFlight = 0;
    let stop = false;
    const tracked = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
      inFlight++;
      try {
        return await call();
      } catch {
        return undefined; // cut off by the kill: neither success nor failure is known
      } finally {
        inFlight--;
      }
    };

    const signUpWorker = async (w: number) => {
      for (let i = 0; i < 500 && !stop; i++) {
        const email = `crash.${w}.${i}@example.com`;
        const a = await tracked(() => api('SignUp', { ClientId: APP, Username: email, Password: STRONG_PASSWORD }));
        if (a?.status === 200) signedUp.push({ email, sub: String(a.json.UserSub) });
      }
    };
    const signInWorker = async (w: number) => {
      for (let i = 0; i < 500 && !stop; i++) {
        const a = await tracked(() => signIn(APP, USERS[(w + i) % USERS.length]!));
        const token = a?.status === 200 ? result(a)?.RefreshToken : undefined;
        if (token) refreshTokens.push(token);
      }
    };
    const rotateWorker = async (w: number) => {
      const first = await signIn(ROTATING, USERS[w % USERS.length]!);
      assert.equal(first.status, 200, JSON.stringify(first.json));
      chains[w] = result(first)!.RefreshToken!;
      for (let i = 0; i < 2_000 && !stop; i++) {
        const a = await tracked(() => refresh(ROTATING, chains[w]!));
        const next = a?.status === 200 ? result(a)?.RefreshToken : undefined;
        if (a && a.status !== 200 && !stop) assert.fail(`refresh refused before the kill: ${JSON.stringify(a.json)}`);
        if (next) {
          chains[w] = next;
          rotations++;
        }
      }
    };

    const workers = [
      ...[0, 1, 2, 3].map(signUpWorker),
      ...[0, 1, 2, 3].map(signInWorker),
      ...[0, 1, 2].map(rotateWorker),
    ];
    const deadline = Date.now() + LOAD_DEADLINE_MS;
    while (signedUp.length < BEFORE_KILL.signUps || refreshTokens.length < BEFORE_KILL.signIns || rotations < BEFORE_KILL.rotations) {
      assert.ok(Date.now() < deadline, `too few successes before the deadline: ${signedUp.length} sign-ups, ${refreshTokens.length} sign-ins, ${rotations} rotations`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const inFlightAtKill = inFlight;
    await killServer();
    stop = true;
    await Promise.all(workers);
    assert.ok(inFlightAtKill > 0, 'requests were in flight when the server was killed');
    t.diagnostic(`killed with ${inFlightAtKill} requests in flight after ${signedUp.length} sign-ups, ${refreshTokens.length} sign-ins and ${rotations} rotations had been answered`);

    await startServer();

    // PostgreSQL's files belong to its server, which was never killed; only a SQLite file can tear.
    if (database.backend === 'sqlite') assert.equal(integrityCheck(join(dir, 'openpool.db')), 'ok');

    // Every answered sign-up is there, under the sub it was answered with.
    for (const { email, sub } of signedUp) {
      const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: email }));
      assert.equal(user.UserAttributes?.find((a) => a.Name === 'sub')?.Value, sub, email);
      assert.equal(user.UserStatus, 'UNCONFIRMED', email);
    }
    // Every refresh token handed out still refreshes, so each was committed before it was sent.
    for (const token of refreshTokens) {
      const a = await refresh(APP, token);
      assert.equal(a.status, 200, JSON.stringify(a.json));
    }
    // The newest token of each rotating chain refreshes too: a rotation the client saw was committed.
    for (const token of chains) {
      const a = await refresh(ROTATING, token);
      assert.equal(a.status, 200, JSON.stringify(a.json));
    }

    // And the server serves again: a full sign-in, by a configured user and by a user who signed up before the kill.
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const ada = await signIn(APP, USERS[0]!);
    assert.equal(ada.status, 200, JSON.stringify(ada.json));
    const me = await api('GetUser', { AccessToken: result(ada)!.AccessToken });
    assert.equal(me.status, 200, JSON.stringify(me.json));
    const early = signedUp[0]!;
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: early.email }));
    const earlyIn = await signIn(APP, early.email);
    assert.equal(earlyIn.status, 200, JSON.stringify(earlyIn.json));
    const fresh = await api('SignUp', { ClientId: APP, Username: 'after.restart@example.com', Password: STRONG_PASSWORD });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
  });
});
