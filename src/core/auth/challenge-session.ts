import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';

export interface ChallengeSession {
  challenge: string;
  poolId: string;
  clientId: string;
  userId: string;
  /** Challenge-specific state (e.g. SRP's b), sealed with the rest. */
  state?: Record<string, string>;
}

/**
 * The `Session` string of an auth challenge: sealed (encrypted and authenticated) with the master
 * key, bound to pool, client, user and challenge, and valid for the client's AuthSessionValidity.
 */
export function sealChallengeSession(deps: Pick<CoreDeps, 'box' | 'clock'>, session: ChallengeSession, validityMinutes: number): string {
  return deps.box.seal(JSON.stringify({ ...session, exp: deps.clock.now() + validityMinutes * 60_000 }));
}

export function openChallengeSession(deps: Pick<CoreDeps, 'box' | 'clock'>, sealed: string | undefined, expected: { challenge: string; clientId: string }): ChallengeSession {
  const expired = () => new AppError('NotAuthorized', 'Invalid session for the user, session is expired.');
  if (!sealed || sealed.length > 4096) throw expired();
  let session: ChallengeSession & { exp: number };
  try {
    session = JSON.parse(deps.box.open(sealed)) as ChallengeSession & { exp: number };
  } catch {
    throw expired();
  }
  if (session.exp <= deps.clock.now() || session.challenge !== expected.challenge || session.clientId !== expected.clientId) throw expired();
  return session;
}
