/** Turning factors on and off: SetUserMFAPreference and its admin twin, and the pool's MFA settings. */
import { AppError } from '../../errors/app-error.js';
import type { CoreDeps } from '../deps.js';
import type { MfaConfiguration, MfaType, User, UserMfa, UserPool } from '../model.js';
import { poolMfaTypes } from './factors.js';

export interface FactorPreference {
  enabled?: boolean;
  preferred?: boolean;
}

export interface MfaPreferenceInput {
  sms?: FactorPreference;
  softwareToken?: FactorPreference;
}

export async function setUserMfaPreference(deps: Pick<CoreDeps, 'storage' | 'clock'>, pool: UserPool, user: User, input: MfaPreferenceInput): Promise<UserMfa> {
  const offered = poolMfaTypes(pool);
  const wanted: [MfaType, FactorPreference | undefined][] = [['SMS_MFA', input.sms], ['SOFTWARE_TOKEN_MFA', input.softwareToken]];
  for (const [type, pref] of wanted) {
    if ((pref?.enabled || pref?.preferred) && !offered.includes(type)) {
      throw new AppError('InvalidParameter', `${type} is not enabled for this user pool.`);
    }
  }
  if ((input.sms?.enabled || input.sms?.preferred) && !user.attributes.phone_number) {
    throw new AppError('InvalidParameter', 'User does not have a phone number for SMS MFA.');
  }
  if (input.sms?.preferred && input.softwareToken?.preferred) throw new AppError('InvalidParameter', 'Only one MFA type can be preferred.');
  const now = deps.clock.now();
  return deps.storage.mfa.update(pool.id, user.id, (m) => {
    const next = { ...m, updatedAt: now };
    if (input.softwareToken) {
      if ((input.softwareToken.enabled || input.softwareToken.preferred) && !m.totpSecretSealed) {
        throw new AppError('SoftwareTokenMfaNotFound', 'Software Token MFA has not been set up for the user (AssociateSoftwareToken, then VerifySoftwareToken).');
      }
      next.totpEnabled = !!(input.softwareToken.enabled || input.softwareToken.preferred);
    }
    if (input.sms) next.smsEnabled = !!(input.sms.enabled || input.sms.preferred);
    if (input.sms?.preferred) next.preferred = 'SMS_MFA';
    else if (input.softwareToken?.preferred) next.preferred = 'SOFTWARE_TOKEN_MFA';
    else if ((next.preferred === 'SMS_MFA' && (input.sms?.preferred === false || !next.smsEnabled))
      || (next.preferred === 'SOFTWARE_TOKEN_MFA' && (input.softwareToken?.preferred === false || !next.totpEnabled))) {
      next.preferred = undefined;
    }
    return next;
  });
}

export interface PoolMfaInput {
  mfaConfiguration?: MfaConfiguration;
  softwareTokenEnabled?: boolean;
  /** Present to turn SMS MFA on (with its message), null to turn it off, absent to keep it. */
  sms?: { message?: string } | null;
}

/** SetUserPoolMfaConfig: what changes, applied to a pool's settings (validated by the caller's pool rules). */
export function applyPoolMfaInput(pool: UserPool, input: PoolMfaInput): UserPool['settings'] {
  const current = new Set(pool.settings.enabledMfas ?? ['SOFTWARE_TOKEN_MFA']);
  if (input.softwareTokenEnabled !== undefined) {
    if (input.softwareTokenEnabled) current.add('SOFTWARE_TOKEN_MFA');
    else current.delete('SOFTWARE_TOKEN_MFA');
  }
  let message = pool.settings.smsAuthenticationMessage;
  if (input.sms === null) current.delete('SMS_MFA');
  else if (input.sms) {
    current.add('SMS_MFA');
    message = input.sms.message ?? message;
  }
  const order: MfaType[] = ['SMS_MFA', 'SOFTWARE_TOKEN_MFA'];
  return {
    ...pool.settings,
    mfaConfiguration: input.mfaConfiguration ?? pool.settings.mfaConfiguration,
    enabledMfas: order.filter((t) => current.has(t)),
    smsAuthenticationMessage: message,
  };
}
