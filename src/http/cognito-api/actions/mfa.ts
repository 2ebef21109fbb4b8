/** MFA: authenticator apps, users' factor preferences, and the pool's MFA configuration. */
import { z } from 'zod';
import type { PoolMfaInput } from '../../../core/mfa/preferences.js';
import type { UserPool } from '../../../core/model.js';
import { AppError } from '../../../errors/app-error.js';
import type { ActionTable } from '../registry.js';
import { adminAction, userAction } from '../registry.js';
import { AccessToken, UserPoolId, Username } from '../wire.js';
import { requirePoolUser } from './admin-groups.js';

const Session = z.string().min(20).max(4096);
const FactorSettings = z.object({ Enabled: z.boolean().optional(), PreferredMfa: z.boolean().optional() }).optional();
const Preferences = {
  SMSMfaSettings: FactorSettings,
  SoftwareTokenMfaSettings: FactorSettings,
  EmailMfaSettings: FactorSettings,
};

const preferenceInput = (input: { SMSMfaSettings?: z.infer<typeof FactorSettings>; SoftwareTokenMfaSettings?: z.infer<typeof FactorSettings>; EmailMfaSettings?: z.infer<typeof FactorSettings> }) => {
  if (input.EmailMfaSettings?.Enabled || input.EmailMfaSettings?.PreferredMfa) {
    throw new AppError('InvalidParameter', 'Email MFA is not available in OpenPool; use SMS_MFA or SOFTWARE_TOKEN_MFA.');
  }
  const factor = (f: z.infer<typeof FactorSettings>) => f && { enabled: f.Enabled, preferred: f.PreferredMfa };
  return { sms: factor(input.SMSMfaSettings), softwareToken: factor(input.SoftwareTokenMfaSettings) };
};

function poolMfaConfig(pool: UserPool) {
  const factors = pool.settings.enabledMfas ?? ['SOFTWARE_TOKEN_MFA'];
  return {
    MfaConfiguration: pool.settings.mfaConfiguration,
    SoftwareTokenMfaConfiguration: { Enabled: factors.includes('SOFTWARE_TOKEN_MFA') },
    ...(factors.includes('SMS_MFA')
      ? { SmsMfaConfiguration: { SmsAuthenticationMessage: pool.settings.smsAuthenticationMessage ?? 'Your authentication code is {####}.' } }
      : {}),
  };
}

export const mfaActions: ActionTable = {
  AssociateSoftwareToken: userAction(z.object({ AccessToken: AccessToken.optional(), Session: Session.optional() }), async (input, ctx) => {
    if (input.AccessToken) {
      const { pool, user } = await ctx.services.api.requireTokenUser(input.AccessToken);
      const { secret } = await ctx.services.mfa.associate(pool, user);
      return { SecretCode: secret };
    }
    if (!input.Session) throw new AppError('InvalidParameter', 'Either AccessToken or Session is required.');
    const { secret, session } = await ctx.services.api.associateWithSession(input.Session);
    return { SecretCode: secret, Session: session };
  }),

  VerifySoftwareToken: userAction(
    z.object({ AccessToken: AccessToken.optional(), Session: Session.optional(), UserCode: z.string().min(6).max(6).regex(/^\d+$/), FriendlyDeviceName: z.string().max(256).optional() }),
    async (input, ctx) => {
      if (input.AccessToken) {
        const { pool, user, clientId } = await ctx.services.api.requireTokenUser(input.AccessToken);
        await ctx.services.mfa.verify(pool, user, input.UserCode, clientId);
        return { Status: 'SUCCESS' };
      }
      if (!input.Session) throw new AppError('InvalidParameter', 'Either AccessToken or Session is required.');
      const { session } = await ctx.services.api.verifyWithSession(input.Session, input.UserCode);
      return { Status: 'SUCCESS', Session: session };
    },
  ),

  SetUserMFAPreference: userAction(z.object({ AccessToken, ...Preferences }), async (input, ctx) => {
    const { pool, user, clientId } = await ctx.services.api.requireTokenUser(input.AccessToken);
    await ctx.services.mfa.setPreference(pool, user, preferenceInput(input), clientId);
    return {};
  }),

  AdminSetUserMFAPreference: adminAction(z.object({ UserPoolId, Username, ...Preferences }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.mfa.setPreference(pool, user, preferenceInput(input));
    return {};
  }),

  GetUserPoolMfaConfig: adminAction(z.object({ UserPoolId }), async (input, ctx) => poolMfaConfig(await ctx.services.pools.get(input.UserPoolId))),

  SetUserPoolMfaConfig: adminAction(
    z.object({
      UserPoolId,
      MfaConfiguration: z.enum(['OFF', 'ON', 'OPTIONAL']).optional(),
      SoftwareTokenMfaConfiguration: z.object({ Enabled: z.boolean().optional() }).optional(),
      SmsMfaConfiguration: z.object({
        SmsAuthenticationMessage: z.string().min(6).max(140).regex(/\{####\}/, 'must contain {####}').optional(),
        // Where Cognito sends SMS through SNS; OpenPool uses its SMS sender (SMS_WEBHOOK_URL) and keeps none of this.
        SmsConfiguration: z.object({ SnsCallerArn: z.string().max(2048), ExternalId: z.string().max(2048).optional(), SnsRegion: z.string().max(32).optional() }).optional(),
      }).optional(),
      EmailMfaConfiguration: z.object({ Message: z.string().optional(), Subject: z.string().optional() }).optional(),
    }),
    async (input, ctx) => {
      if (input.EmailMfaConfiguration) throw new AppError('InvalidParameter', 'Email MFA is not available in OpenPool.');
      const change: PoolMfaInput = {
        mfaConfiguration: input.MfaConfiguration,
        // A set, as in Cognito: a factor whose configuration is left out is turned off.
        softwareTokenEnabled: input.SoftwareTokenMfaConfiguration?.Enabled ?? false,
        sms: input.SmsMfaConfiguration ? { message: input.SmsMfaConfiguration.SmsAuthenticationMessage } : null,
      };
      return poolMfaConfig(await ctx.services.mfa.setPoolConfig(input.UserPoolId, change));
    },
  ),
};
