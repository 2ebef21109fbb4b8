/** Which second factors a pool offers and a user has: the one place that decides. */
import type { MfaType, User, UserMfa, UserPool } from '../model.js';

/** The factors a pool offers (none when MFA is OFF). */
export function poolMfaTypes(pool: UserPool): MfaType[] {
  if (pool.settings.mfaConfiguration === 'OFF') return [];
  return pool.settings.enabledMfas ?? ['SOFTWARE_TOKEN_MFA'];
}

/** The factors the user turned on, whatever the pool offers (GetUser's UserMFASettingList). */
export function userMfaSettingList(mfa: UserMfa | undefined): MfaType[] {
  const list: MfaType[] = [];
  if (mfa?.smsEnabled) list.push('SMS_MFA');
  if (mfa?.totpEnabled && mfa.totpSecretSealed) list.push('SOFTWARE_TOKEN_MFA');
  return list;
}

/**
 * The factors that can challenge this user at sign-in: those the user turned on and the pool
 * offers. In a pool that requires MFA, a user with a phone number can always get SMS codes if
 * the pool offers SMS, as in Cognito.
 */
export function usableMfaTypes(pool: UserPool, user: User, mfa: UserMfa | undefined): MfaType[] {
  const offered = poolMfaTypes(pool);
  const usable = userMfaSettingList(mfa).filter((t) => offered.includes(t) && (t !== 'SMS_MFA' || !!user.attributes.phone_number));
  if (pool.settings.mfaConfiguration === 'ON' && offered.includes('SMS_MFA') && user.attributes.phone_number && !usable.includes('SMS_MFA')) {
    usable.push('SMS_MFA');
  }
  return usable;
}

/** RFC 8176 authentication method references for a sign-in with `factor` after the password. */
export function amrFor(factor: MfaType | undefined): string[] {
  if (!factor) return ['pwd'];
  return ['pwd', 'mfa', factor === 'SMS_MFA' ? 'sms' : 'otp'];
}
