import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { CodePurpose, User, UserPool } from '../model.js';
import type { OutgoingMessage } from '../ports.js';
import { maskDestination } from './attributes.js';

export const CODE_VALIDITY_MS: Record<CodePurpose, number> = {
  signup: 24 * 3600_000,
  verify_email: 24 * 3600_000,
  verify_phone_number: 24 * 3600_000,
  forgot_password: 3600_000,
  // An MFA code lives as long as the sign-in session that asked for it (AuthSessionValidity's default).
  sms_mfa: 3 * 60_000,
};
/** Wrong guesses a code survives; then it is destroyed and a new one must be requested. */
export const MAX_CODE_ATTEMPTS = 5;
/**
 * Codes of one purpose a user may be sent per hour (Cognito allows about 5 resends an hour).
 * With MAX_CODE_ATTEMPTS this caps guessing at 25 tries an hour against a million codes.
 */
export const MAX_CODE_SENDS_PER_HOUR = 6;

export interface CodeDeliveryDetails {
  destination: string;
  medium: 'EMAIL' | 'SMS';
  attributeName: string;
}

type CodeDeps = Pick<CoreDeps, 'storage' | 'clock' | 'random' | 'box' | 'sender'>;

const digestOf = (box: CoreDeps['box'], purpose: CodePurpose, userId: string, code: string) =>
  box.digest(`code:${purpose}:${userId}:${code}`);

const SUBJECTS: Record<CodePurpose, string> = {
  signup: 'Your verification code',
  verify_email: 'Your verification code',
  verify_phone_number: 'Your verification code',
  forgot_password: 'Your password reset code',
  sms_mfa: 'Your authentication code',
};

const KINDS: Record<CodePurpose, OutgoingMessage['kind']> = {
  signup: 'signup_code',
  verify_email: 'verification_code',
  verify_phone_number: 'verification_code',
  forgot_password: 'forgot_password_code',
  sms_mfa: 'mfa_code',
};

function messageText(pool: UserPool, purpose: CodePurpose, code: string): string {
  const template =
    purpose === 'forgot_password'
      ? 'Your password reset code is {####}. It expires in 1 hour.'
      : purpose === 'sms_mfa'
        ? (pool.settings.smsAuthenticationMessage ?? 'Your authentication code is {####}.')
        : (pool.settings.emailVerificationMessage ?? 'Your verification code is {####}. It expires in 24 hours.');
  return template.replaceAll('{####}', code).replaceAll('{username}', '');
}

/**
 * Creates a fresh 6-digit code (replacing any earlier one), stores its digest and sends it: MFA
 * codes by SMS to the phone number, every other code by email.
 */
export async function sendCode(deps: CodeDeps, pool: UserPool, user: User, purpose: CodePurpose): Promise<CodeDeliveryDetails> {
  const channel = purpose === 'sms_mfa' ? 'sms' : 'email';
  const attributeName = channel === 'sms' ? 'phone_number' : 'email';
  const destination = user.attributes[attributeName];
  if (!destination) {
    throw new AppError('InvalidParameter', `Cannot deliver a code: the user has no ${channel === 'sms' ? 'phone number' : 'email address'}.`);
  }
  const now = deps.clock.now();
  if ((await deps.storage.codes.countSend(user.id, purpose, now, 3600_000)) > MAX_CODE_SENDS_PER_HOUR) {
    throw new AppError('LimitExceeded', 'Attempt limit exceeded, please try after some time.');
  }
  const code = deps.random.digits(6);
  await deps.storage.codes.put({
    poolId: pool.id, userId: user.id, purpose, codeHash: digestOf(deps.box, purpose, user.id, code),
    expiresAt: now + CODE_VALIDITY_MS[purpose], attempts: 0, createdAt: now,
  });
  const subject = purpose === 'signup' ? (pool.settings.emailVerificationSubject ?? SUBJECTS.signup) : SUBJECTS[purpose];
  try {
    await deps.sender.send({
      channel, to: destination, subject, text: messageText(pool, purpose, code), poolId: pool.id, username: user.username, kind: KINDS[purpose],
    });
  } catch (error) {
    throw new AppError('CodeDeliveryFailure', 'Unable to deliver the verification code. Try again later.', { cause: error });
  }
  return { destination: maskDestination(destination), medium: channel === 'sms' ? 'SMS' : 'EMAIL', attributeName };
}

/** Uses a code once; wrong, expired or missing codes throw Cognito's errors. */
export async function consumeCode(deps: Pick<CoreDeps, 'storage' | 'clock' | 'box'>, user: User, purpose: CodePurpose, code: string): Promise<void> {
  const codeHash = digestOf(deps.box, purpose, user.id, code.trim());
  const result = await deps.storage.codes.consume(user.poolId, user.id, purpose, codeHash, deps.clock.now(), MAX_CODE_ATTEMPTS);
  switch (result.status) {
    case 'ok':
      return;
    case 'mismatch':
      if (result.attemptsLeft === 0) throw new AppError('ExpiredCode', 'Too many wrong attempts. Please request a code again.');
      throw new AppError('CodeMismatch', 'Invalid verification code provided, please try again.');
    case 'expired':
    case 'missing':
      throw new AppError('ExpiredCode', 'Invalid code provided, please request a code again.');
  }
}

/**
 * Uses a code for `action`. The code is consumed first, so that it works once, and put back as
 * it was if the action fails (a taken alias, say): the failure changed nothing, and Cognito's
 * answer to AliasExistsException is to send the same code again with ForceAliasCreation.
 */
export async function withCode<T>(
  deps: Pick<CoreDeps, 'storage' | 'clock' | 'box'>, user: User, purpose: CodePurpose, code: string, action: () => Promise<T>,
): Promise<T> {
  const stored = await deps.storage.codes.get(user.poolId, user.id, purpose);
  await consumeCode(deps, user, purpose, code);
  try {
    return await action();
  } catch (error) {
    // Unless a new code was sent meanwhile, which the user now holds instead.
    if (stored && !(await deps.storage.codes.get(user.poolId, user.id, purpose))) await deps.storage.codes.put(stored);
    throw error;
  }
}
