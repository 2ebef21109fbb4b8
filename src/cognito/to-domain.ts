/** Maps Cognito request shapes to the domain model (and fills Cognito's defaults). */
import type { ClientSettings, PoolSettings, SchemaAttribute, TokenUnit, TokenValidity } from '../core/model.js';
import { DEFAULT_PASSWORD_POLICY } from '../core/pools/password-policy.js';
import type { UserPoolClientInput, UserPoolSettingsInput } from './shapes.js';

const UNIT_SECONDS: Record<TokenUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

export const DEFAULT_EXPLICIT_AUTH_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'];

export function toTokenValidity(input: UserPoolClientInput): TokenValidity {
  const units = {
    accessToken: input.TokenValidityUnits?.AccessToken ?? 'hours',
    idToken: input.TokenValidityUnits?.IdToken ?? 'hours',
    refreshToken: input.TokenValidityUnits?.RefreshToken ?? 'days',
  };
  const seconds = (value: number | undefined, unit: TokenUnit, fallback: number) =>
    value === undefined || value === 0 ? fallback : value * UNIT_SECONDS[unit];
  return {
    accessToken: seconds(input.AccessTokenValidity, units.accessToken, 3600),
    idToken: seconds(input.IdTokenValidity, units.idToken, 3600),
    refreshToken: seconds(input.RefreshTokenValidity, units.refreshToken, 30 * 86400),
    configured: {
      accessToken: input.AccessTokenValidity,
      idToken: input.IdTokenValidity,
      refreshToken: input.RefreshTokenValidity,
      units,
    },
  };
}

export function toClientSettings(input: UserPoolClientInput): ClientSettings {
  return {
    callbackUrls: input.CallbackURLs ?? [],
    logoutUrls: input.LogoutURLs ?? [],
    defaultRedirectUri: input.DefaultRedirectURI,
    allowedOAuthFlows: input.AllowedOAuthFlows ?? [],
    allowedOAuthScopes: input.AllowedOAuthScopes ?? [],
    allowedOAuthFlowsUserPoolClient: input.AllowedOAuthFlowsUserPoolClient ?? false,
    explicitAuthFlows: input.ExplicitAuthFlows ?? DEFAULT_EXPLICIT_AUTH_FLOWS,
    // Cognito's API leaves this empty; OpenPool's own directory is the only provider it has.
    supportedIdentityProviders: input.SupportedIdentityProviders ?? ['COGNITO'],
    readAttributes: input.ReadAttributes,
    writeAttributes: input.WriteAttributes,
    // Deliberately stronger than Cognito's API default (LEGACY): existence is never revealed.
    preventUserExistenceErrors: input.PreventUserExistenceErrors ?? 'ENABLED',
    enableTokenRevocation: input.EnableTokenRevocation ?? true,
    authSessionValidityMinutes: input.AuthSessionValidity ?? 3,
    refreshTokenRotation: {
      enabled: input.RefreshTokenRotation?.Feature === 'ENABLED',
      retryGracePeriodSeconds: input.RefreshTokenRotation?.RetryGracePeriodSeconds ?? 0,
    },
    validity: toTokenValidity(input),
    passthrough: {},
  };
}

function toSchemaAttribute(input: NonNullable<UserPoolSettingsInput['Schema']>[number]): SchemaAttribute {
  return {
    name: input.Name,
    dataType: input.AttributeDataType ?? 'String',
    required: input.Required ?? false,
    mutable: input.Mutable ?? true,
    developerOnly: input.DeveloperOnlyAttribute ?? false,
    minLength: input.StringAttributeConstraints?.MinLength,
    maxLength: input.StringAttributeConstraints?.MaxLength,
    minValue: input.NumberAttributeConstraints?.MinValue,
    maxValue: input.NumberAttributeConstraints?.MaxValue,
  };
}

export function toPoolSettings(input: UserPoolSettingsInput): PoolSettings {
  const policy = input.Policies?.PasswordPolicy;
  return {
    usernameAttributes: input.UsernameAttributes ?? [],
    aliasAttributes: input.AliasAttributes ?? [],
    autoVerifiedAttributes: input.AutoVerifiedAttributes ?? [],
    // The console's default: sign-in names are not case sensitive.
    caseSensitive: input.UsernameConfiguration?.CaseSensitive ?? false,
    passwordPolicy: {
      minimumLength: policy?.MinimumLength ?? DEFAULT_PASSWORD_POLICY.minimumLength,
      requireUppercase: policy?.RequireUppercase ?? DEFAULT_PASSWORD_POLICY.requireUppercase,
      requireLowercase: policy?.RequireLowercase ?? DEFAULT_PASSWORD_POLICY.requireLowercase,
      requireNumbers: policy?.RequireNumbers ?? DEFAULT_PASSWORD_POLICY.requireNumbers,
      requireSymbols: policy?.RequireSymbols ?? DEFAULT_PASSWORD_POLICY.requireSymbols,
      temporaryPasswordValidityDays: policy?.TemporaryPasswordValidityDays || DEFAULT_PASSWORD_POLICY.temporaryPasswordValidityDays,
      passwordHistorySize: policy?.PasswordHistorySize ?? 0,
    },
    schema: (input.Schema ?? []).map(toSchemaAttribute),
    mfaConfiguration: input.MfaConfiguration ?? 'OFF',
    enabledMfas: input.EnabledMfas ? [...new Set(input.EnabledMfas)] : undefined,
    smsAuthenticationMessage: input.SmsAuthenticationMessage,
    allowAdminCreateUserOnly: input.AdminCreateUserConfig?.AllowAdminCreateUserOnly ?? false,
    unusedAccountValidityDays: input.AdminCreateUserConfig?.UnusedAccountValidityDays,
    accountRecovery: (input.AccountRecoverySetting?.RecoveryMechanisms ?? []).map((m) => ({ name: m.Name, priority: m.Priority })),
    deletionProtection: input.DeletionProtection ?? 'INACTIVE',
    emailVerificationSubject: input.VerificationMessageTemplate?.EmailSubject ?? input.EmailVerificationSubject,
    emailVerificationMessage: input.VerificationMessageTemplate?.EmailMessage ?? input.EmailVerificationMessage,
    tags: input.UserPoolTags ?? {},
    srpEnabled: input.SrpAuthentication !== 'DISABLED',
    breachedPasswordCheck: input.BreachedPasswordCheck !== 'DISABLED',
    passthrough: input.AdminCreateUserConfig?.InviteMessageTemplate
      ? { InviteMessageTemplate: input.AdminCreateUserConfig.InviteMessageTemplate }
      : {},
  };
}
