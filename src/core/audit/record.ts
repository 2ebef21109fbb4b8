import { isAppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { AuthEventInput } from '../ports.js';

/** An event before its outcome is known. The flow fills in what it learns (the user, once found). */
export type AuditSubject = Omit<AuthEventInput, 'outcome' | 'reason'>;

/**
 * Runs a flow and records its event: Pass when it returns, Fail with the AppError code when it
 * throws (then rethrows). One place for the try/catch every audited use case would otherwise repeat.
 */
export async function audited<T>(deps: Pick<CoreDeps, 'audit'>, base: AuditSubject, flow: (subject: AuditSubject) => Promise<T>): Promise<T> {
  const subject: AuditSubject = { ...base };
  // The trail promises never to fail; this holds even for a test double that breaks the promise.
  const record = (event: AuthEventInput) => deps.audit.record(event).catch(() => undefined);
  let result: T;
  try {
    result = await flow(subject);
  } catch (error) {
    await record({ ...subject, outcome: 'Fail', reason: isAppError(error) ? error.code : 'Internal' });
    throw error;
  }
  await record({ ...subject, outcome: 'Pass' });
  return result;
}
