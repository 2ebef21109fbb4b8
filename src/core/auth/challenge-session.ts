import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';

export interface ChallengeSession {
  challenge: string;
  poolId: string;
  clientId: string;
  userId: string;
  /** Challenge-specific state (e.g. the MFA factor), sealed with the rest. */
  state?: Record<string, string>;
}

/** A session as opened: with its id and expiry, for marking it used. */
export interface OpenedChallengeSession extends ChallengeSession {
  sid: string;
  exp: number;
}

/** Wrong codes a challenge session survives before it is used up (the user then signs in again). */
export const MAX_CHALLENGE_FAILURES = 3;

const expired = () => new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
const useKey = (box: CoreDeps['box'], sid: string) => box.digest(`challenge:${sid}`);

/**
 * The `Session` string of an auth challenge: sealed (encrypted and authenticated) with the master
 * key, bound to pool, client, user and challenge, valid for the client's AuthSessionValidity, and
 * good for one successful answer (consumeChallengeSession).
 */
export function sealChallengeSession(deps: Pick<CoreDeps, 'box' | 'clock' | 'random'>, session: ChallengeSession, validityMinutes: number): string {
  return deps.box.seal(JSON.stringify({ ...session, sid: deps.random.token(16), exp: deps.clock.now() + validityMinutes * 60_000 }));
}

/** Opens a session for `expected.challenge`; any client when `expected.clientId` is undefined (AssociateSoftwareToken has none). */
export async function openChallengeSession(
  deps: Pick<CoreDeps, 'box' | 'clock' | 'storage'>,
  sealed: string | undefined,
  expected: { challenge: string; clientId: string | undefined },
): Promise<OpenedChallengeSession> {
  if (!sealed || sealed.length > 4096) throw expired();
  let session: OpenedChallengeSession;
  try {
    session = JSON.parse(deps.box.open(sealed)) as OpenedChallengeSession;
  } catch {
    throw expired();
  }
  if (session.exp <= deps.clock.now() || session.challenge !== expected.challenge) throw expired();
  if (expected.clientId !== undefined && session.clientId !== expected.clientId) throw expired();
  if (!(await deps.storage.challengeUses.usable(useKey(deps.box, session.sid)))) throw expired();
  return session;
}

/** Marks the session answered; a second answer (a replay, or a concurrent twin) is refused. */
export async function consumeChallengeSession(deps: Pick<CoreDeps, 'box' | 'clock' | 'storage'>, session: OpenedChallengeSession): Promise<void> {
  if (!(await deps.storage.challengeUses.consume(useKey(deps.box, session.sid), session.exp, deps.clock.now()))) throw expired();
}

/** Counts a wrong answer against the session; after MAX_CHALLENGE_FAILURES it is used up. */
export async function failChallengeSession(deps: Pick<CoreDeps, 'box' | 'storage'>, session: OpenedChallengeSession): Promise<void> {
  await deps.storage.challengeUses.recordFailure(useKey(deps.box, session.sid), session.exp, MAX_CHALLENGE_FAILURES);
}

/** A one-shot secret (SRP's SECRET_BLOCK) marked used by its own digest. */
export async function consumeOnce(deps: Pick<CoreDeps, 'box' | 'clock' | 'storage'>, secret: string, expiresAt: number): Promise<void> {
  if (!(await deps.storage.challengeUses.consume(useKey(deps.box, `block:${secret}`), expiresAt, deps.clock.now()))) throw expired();
}
