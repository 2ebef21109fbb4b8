import type { CoreDeps } from '../deps.js';
import type { BrowserSession, User, UserPool } from '../model.js';

/** The hosted UI's sign-in session lasts one hour, whatever the token lifetimes (as in Cognito). */
export const BROWSER_SESSION_TTL_MS = 3600_000;
/** How long after sign-up (or an unconfirmed sign-in) confirming the code also signs the user in. */
export const PENDING_SIGN_IN_TTL_MS = 30 * 60_000;

type Deps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box'>;

const sessionDigest = (box: CoreDeps['box'], id: string) => box.digest(`session:${id}`);

export async function createBrowserSession(deps: Deps, pool: UserPool, user: User, amr: string[]): Promise<{ id: string; session: BrowserSession }> {
  const id = deps.random.token(32);
  const now = deps.clock.now();
  const session: BrowserSession = {
    idHash: sessionDigest(deps.box, id), poolId: pool.id, userId: user.id, authTime: now, amr, createdAt: now,
    expiresAt: now + BROWSER_SESSION_TTL_MS,
  };
  await deps.storage.sessions.create(session);
  return { id, session };
}

/** The signed-in user of a session cookie, if the session is alive and the user may still sign in. */
export async function resumeBrowserSession(deps: Deps, pool: UserPool, id: string | undefined): Promise<{ session: BrowserSession; user: User } | undefined> {
  if (!id || id.length > 128) return undefined;
  const session = await deps.storage.sessions.get(sessionDigest(deps.box, id));
  if (!session || session.poolId !== pool.id) return undefined;
  if (session.expiresAt <= deps.clock.now()) {
    await deps.storage.sessions.delete(session.idHash);
    return undefined;
  }
  const user = await deps.storage.users.get(pool.id, session.userId);
  if (!user || !user.enabled || user.status !== 'CONFIRMED') return undefined;
  return { session, user };
}

export async function endBrowserSession(deps: Deps, id: string | undefined): Promise<void> {
  if (id && id.length <= 128) await deps.storage.sessions.delete(sessionDigest(deps.box, id));
}

/**
 * A sealed note that this browser proved the user's password (at sign-up or sign-in) and what it
 * must do next: confirm the account, choose a new password, answer an MFA code (of the factor
 * named in the kind), or set up an authenticator app. It never stands in for the step itself.
 */
export type PendingKind = 'confirm' | 'new_password' | 'mfa:SOFTWARE_TOKEN_MFA' | 'mfa:SMS_MFA' | 'mfa_setup';

/** How long each note is good for: an MFA code must follow the password within minutes. */
const PENDING_TTL_MS: Record<PendingKind, number> = {
  confirm: PENDING_SIGN_IN_TTL_MS,
  new_password: PENDING_SIGN_IN_TTL_MS,
  'mfa:SOFTWARE_TOKEN_MFA': 5 * 60_000,
  'mfa:SMS_MFA': 5 * 60_000,
  // Installing an app and scanning a code takes longer than typing one.
  mfa_setup: 15 * 60_000,
};

export function sealPendingSignIn(deps: Pick<CoreDeps, 'box' | 'clock'>, kind: PendingKind, poolId: string, userId: string): string {
  return deps.box.seal(JSON.stringify({ k: kind, p: poolId, u: userId, e: deps.clock.now() + PENDING_TTL_MS[kind] }));
}

/** The user a pending note vouches for, if it is of that kind, for that pool, and fresh. */
export function openPendingSignIn(deps: Pick<CoreDeps, 'box' | 'clock'>, kind: PendingKind, poolId: string, sealed: string | undefined): string | undefined {
  if (!sealed || sealed.length > 1024) return undefined;
  try {
    const note = JSON.parse(deps.box.open(sealed)) as { k: string; p: string; u: string; e: number };
    return note.k === kind && note.p === poolId && note.e > deps.clock.now() ? note.u : undefined;
  } catch {
    return undefined;
  }
}
