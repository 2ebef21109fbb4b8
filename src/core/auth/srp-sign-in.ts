/**
 * USER_SRP_AUTH and its PASSWORD_VERIFIER challenge (Cognito's SRP-6a variant), on the same
 * user-state rules as password sign-in. The math is in srp.ts; this is the protocol around it.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { Client, UserPool } from '../model.js';
import { attemptsExceeded, isLockedOut, recordSignInFailure } from '../users/lockout.js';
import { findUserBySignInName } from '../users/identity.js';
import { afterFirstFactor, type ApiAuthResult } from './api-sign-in.js';
import { consumeOnce } from './challenge-session.js';
import { recordSignIn } from './sign-in-events.js';
import { computeVerifier, parseSrpTimestamp, SrpError, startPasswordVerifier, verifyPasswordClaim } from './srp.js';
import { srpEnabled, srpPoolName } from './srp-verifier.js';

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'signer' | 'issuer' | 'hasher' | 'sender' | 'totp' | 'audit'>;

/** How far the client's TIMESTAMP may be from the server clock. */
const MAX_TIMESTAMP_SKEW_MS = 5 * 60_000;

interface SecretBlock {
  p: string;
  c: string;
  /** The user id, or '' for an unknown user (the challenge is then a decoy that always fails). */
  u: string;
  b: string;
  B: string;
  A: string;
  e: number;
}

const incorrect = () => new AppError('NotAuthorized', 'Incorrect username or password.');

/** InitiateAuth USER_SRP_AUTH: answers PASSWORD_VERIFIER with SALT, SRP_B and a sealed SECRET_BLOCK. */
export async function startSrpSignIn(deps: Deps, pool: UserPool, client: Client, username: string | undefined, srpA: string | undefined): Promise<ApiAuthResult> {
  if (!srpEnabled(pool)) throw new AppError('InvalidParameter', 'USER_SRP_AUTH is disabled for this user pool');
  if (!username) throw new AppError('InvalidParameter', 'Missing required parameter USERNAME');
  if (!srpA || !/^[0-9a-fA-F]{1,2048}$/.test(srpA)) throw new AppError('InvalidParameter', 'Missing or invalid parameter SRP_A');
  const user = await findUserBySignInName(deps.storage, pool, username);
  const stored = user ? await deps.storage.srpVerifiers.get(pool.id, user.id) : undefined;
  if (!user && client.settings.preventUserExistenceErrors !== 'ENABLED') throw new AppError('UserNotFound', 'User does not exist.');
  // Unknown users (and users without a verifier yet) get a decoy challenge that cannot succeed.
  const verifierHex = stored ? deps.box.open(stored.verifierSealed) : computeVerifier('decoy', username, randomBytes(16).toString('hex')).verifier;
  const salt = stored?.salt ?? randomBytes(16).toString('hex');
  let started;
  try {
    started = startPasswordVerifier({ verifierHex, srpAHex: srpA, random: (n) => randomBytes(n) });
  } catch (error) {
    if (error instanceof SrpError) throw new AppError('InvalidParameter', 'Invalid SRP_A.');
    throw error;
  }
  const block: SecretBlock = {
    p: pool.id, c: client.id, u: stored && user ? user.id : '', b: started.bHex, B: started.srpBHex, A: srpA,
    e: deps.clock.now() + client.settings.authSessionValidityMinutes * 60_000,
  };
  const userIdForSrp = user?.username ?? username;
  return {
    kind: 'challenge',
    challengeName: 'PASSWORD_VERIFIER',
    session: undefined,
    parameters: {
      SALT: salt,
      SRP_B: started.srpBHex,
      SECRET_BLOCK: Buffer.from(deps.box.seal(JSON.stringify(block)), 'utf8').toString('base64'),
      USERNAME: userIdForSrp,
      USER_ID_FOR_SRP: userIdForSrp,
    },
  };
}

/** RespondToAuthChallenge PASSWORD_VERIFIER: checks the client's proof, then applies the user's state. */
export async function respondPasswordVerifier(deps: Deps, pool: UserPool, client: Client, responses: Record<string, string>): Promise<ApiAuthResult> {
  const secretBlock = responses.PASSWORD_CLAIM_SECRET_BLOCK;
  const signature = responses.PASSWORD_CLAIM_SIGNATURE;
  const timestamp = responses.TIMESTAMP;
  if (!secretBlock || !signature || !timestamp) throw new AppError('InvalidParameter', 'Missing PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE or TIMESTAMP');
  let block: SecretBlock;
  try {
    block = JSON.parse(deps.box.open(Buffer.from(secretBlock, 'base64').toString('utf8'))) as SecretBlock;
  } catch {
    throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  }
  if (block.p !== pool.id || block.c !== client.id || block.e <= deps.clock.now()) {
    throw new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  }
  const when = parseSrpTimestamp(timestamp);
  if (!when) throw new AppError('InvalidParameter', 'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.');
  if (Math.abs(when.getTime() - deps.clock.now()) > MAX_TIMESTAMP_SKEW_MS) throw incorrect();
  // A secret block answers once: a captured claim cannot be replayed within the session's life.
  await consumeOnce(deps, secretBlock, block.e);
  const user = block.u ? await deps.storage.users.get(pool.id, block.u) : undefined;
  const stored = user ? await deps.storage.srpVerifiers.get(pool.id, user.id) : undefined;
  if (!user || !stored) {
    await recordSignIn(deps, { pool, client, username: responses.USERNAME, outcome: 'Fail', error: incorrect(), factor: 'Password' });
    throw incorrect();
  }
  if (await isLockedOut(deps, user)) {
    await recordSignIn(deps, { pool, client, user, outcome: 'Fail', error: attemptsExceeded(), factor: 'Password' });
    throw attemptsExceeded();
  }
  const ok = verifyPasswordClaim({
    poolName: srpPoolName(pool.id), userIdForSrp: user.username, verifierHex: deps.box.open(stored.verifierSealed),
    bHex: block.b, srpAHex: block.A, srpBHex: block.B, secretBlockB64: secretBlock, timestamp, signatureB64: signature,
  });
  if (!ok) {
    await recordSignInFailure(deps, user);
    await recordSignIn(deps, { pool, client, user, outcome: 'Fail', error: incorrect(), factor: 'Password' });
    throw incorrect();
  }
  try {
    return await afterFirstFactor(deps, pool, client, user);
  } catch (error) {
    await recordSignIn(deps, { pool, client, user, outcome: 'Fail', error, factor: 'Password' });
    throw error;
  }
}
