import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { User } from '../model.js';
import type { AuthEvent } from '../ports.js';

/** Cognito's page size when MaxResults is 0 or absent, and its maximum. */
export const MAX_AUTH_EVENTS_PAGE = 60;

const encodeToken = (cursor: string) => Buffer.from(cursor, 'utf8').toString('base64url');
function decodeToken(token: string): string {
  if (!/^[\w-]{1,1024}$/.test(token)) throw new AppError('InvalidParameter', 'Invalid pagination token.');
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** AdminListUserAuthEvents: a user's events, newest first, a page at a time. */
export async function listUserAuthEvents(
  deps: Pick<CoreDeps, 'storage'>,
  user: User,
  input: { maxResults?: number; nextToken?: string },
): Promise<{ events: AuthEvent[]; nextToken?: string }> {
  const limit = input.maxResults ? Math.min(input.maxResults, MAX_AUTH_EVENTS_PAGE) : MAX_AUTH_EVENTS_PAGE;
  const after = input.nextToken === undefined ? undefined : decodeToken(input.nextToken);
  const page = await deps.storage.authEvents.listForUser(user.poolId, user.id, { limit, after });
  return { events: page.events, ...(page.next !== undefined ? { nextToken: encodeToken(page.next) } : {}) };
}
