/** The domain model in Cognito's response shapes (DescribeUserPool, DescribeUserPoolClient). */
import type { Client, UserPool } from '../core/model.js';
import { breachedPasswordCheckEnabled } from '../core/pools/password-policy.js';
import { STANDARD_ATTRIBUTES } from '../core/users/attributes.js';

const seconds = (ms: number) => ms / 1000;

export function userPoolType(pool: UserPool, extra: { region: string; estimatedUsers: number }) {
  const s = pool.settings;
  const standard = ['sub', ...STANDARD_ATTRIBUTES, 'email_verified', 'phone_number_verified'].map((name) => {
    const declared = s.schema.find((a) => a.name === name);
    return {
      Name: name,
      AttributeDataType: name.endsWith('_verified') ? 'Boolean' : name === 'updated_at' ? 'Number' : 'String',
      DeveloperOnlyAttribute: false,
      Mutable: name !== 'sub',
      Required: name === 'sub' || (declared?.required ?? false),
      ...(name.endsWith('_verified') || name === 'updated_at' ? {} : { StringAttributeConstraints: { MinLength: name === 'sub' ? '1' : '0', MaxLength: name === 'sub' ? '2048' : '2048' } }),
    };
  });
  const custom = s.schema
    .filter((a) => !(['sub', ...STANDARD_ATTRIBUTES] as string[]).includes(a.name))
    .map((a) => ({
      Name: `${a.developerOnly ? 'dev' : 'custom'}:${a.name}`,
      AttributeDataType: a.dataType,
      DeveloperOnlyAttribute: a.developerOnly,
      Mutable: a.mutable,
      Required: false,
      ...(a.dataType === 'Number'
        ? { NumberAttributeConstraints: { MinValue: a.minValue?.toString(), MaxValue: a.maxValue?.toString() } }
        : { StringAttributeConstraints: { MinLength: String(a.minLength ?? 0), MaxLength: String(a.maxLength ?? 2048) } }),
    }));
  return {
    Id: pool.id,
    Name: pool.name,
    Arn: `arn:aws:cognito-idp:${extra.region}:000000000000:userpool/${pool.id}`,
    Policies: {
      PasswordPolicy: {
        MinimumLength: s.passwordPolicy.minimumLength,
        RequireUppercase: s.passwordPolicy.requireUppercase,
        RequireLowercase: s.passwordPolicy.requireLowercase,
        RequireNumbers: s.passwordPolicy.requireNumbers,
        RequireSymbols: s.passwordPolicy.requireSymbols,
        TemporaryPasswordValidityDays: s.passwordPolicy.temporaryPasswordValidityDays,
        PasswordHistorySize: s.passwordPolicy.passwordHistorySize,
      },
    },
    DeletionProtection: s.deletionProtection,
    SchemaAttributes: [...standard, ...custom],
    AutoVerifiedAttributes: s.autoVerifiedAttributes,
    ...(s.usernameAttributes.length ? { UsernameAttributes: s.usernameAttributes } : {}),
    ...(s.aliasAttributes.length ? { AliasAttributes: s.aliasAttributes } : {}),
    UsernameConfiguration: { CaseSensitive: s.caseSensitive },
    MfaConfiguration: s.mfaConfiguration,
    ...(s.smsAuthenticationMessage ? { SmsAuthenticationMessage: s.smsAuthenticationMessage } : {}),
    EstimatedNumberOfUsers: extra.estimatedUsers,
    AdminCreateUserConfig: {
      AllowAdminCreateUserOnly: s.allowAdminCreateUserOnly,
      ...(s.unusedAccountValidityDays !== undefined ? { UnusedAccountValidityDays: s.unusedAccountValidityDays } : {}),
      ...(s.passthrough.InviteMessageTemplate ? { InviteMessageTemplate: s.passthrough.InviteMessageTemplate } : {}),
    },
    ...(s.accountRecovery.length
      ? { AccountRecoverySetting: { RecoveryMechanisms: s.accountRecovery.map((m) => ({ Name: m.name, Priority: m.priority })) } }
      : {}),
    VerificationMessageTemplate: {
      DefaultEmailOption: 'CONFIRM_WITH_CODE',
      ...(s.emailVerificationMessage ? { EmailMessage: s.emailVerificationMessage } : {}),
      ...(s.emailVerificationSubject ? { EmailSubject: s.emailVerificationSubject } : {}),
    },
    UserPoolTags: s.tags,
    // OpenPool's own setting, returned under the name it is set by; Cognito's SDKs ignore it.
    BreachedPasswordCheck: breachedPasswordCheckEnabled(s) ? 'ENABLED' : 'DISABLED',
    CreationDate: seconds(pool.createdAt),
    LastModifiedDate: seconds(pool.updatedAt),
  };
}

export function userPoolClientType(client: Client) {
  const s = client.settings;
  const v = s.validity.configured;
  return {
    UserPoolId: client.poolId,
    ClientName: client.name,
    ClientId: client.id,
    ...(client.secret ? { ClientSecret: client.secret } : {}),
    CreationDate: seconds(client.createdAt),
    LastModifiedDate: seconds(client.updatedAt),
    RefreshTokenValidity: v.refreshToken ?? 30,
    AccessTokenValidity: v.accessToken ?? 60,
    IdTokenValidity: v.idToken ?? 60,
    TokenValidityUnits: {
      AccessToken: v.accessToken === undefined ? 'minutes' : v.units.accessToken,
      IdToken: v.idToken === undefined ? 'minutes' : v.units.idToken,
      RefreshToken: v.units.refreshToken,
    },
    ...(s.readAttributes ? { ReadAttributes: s.readAttributes } : {}),
    ...(s.writeAttributes ? { WriteAttributes: s.writeAttributes } : {}),
    ExplicitAuthFlows: s.explicitAuthFlows,
    SupportedIdentityProviders: s.supportedIdentityProviders,
    CallbackURLs: s.callbackUrls,
    LogoutURLs: s.logoutUrls,
    ...(s.defaultRedirectUri ? { DefaultRedirectURI: s.defaultRedirectUri } : {}),
    AllowedOAuthFlows: s.allowedOAuthFlows,
    AllowedOAuthScopes: s.allowedOAuthScopes,
    AllowedOAuthFlowsUserPoolClient: s.allowedOAuthFlowsUserPoolClient,
    PreventUserExistenceErrors: s.preventUserExistenceErrors,
    EnableTokenRevocation: s.enableTokenRevocation,
    EnablePropagateAdditionalUserContextData: false,
    AuthSessionValidity: s.authSessionValidityMinutes,
    RefreshTokenRotation: { Feature: s.refreshTokenRotation.enabled ? 'ENABLED' : 'DISABLED', RetryGracePeriodSeconds: s.refreshTokenRotation.retryGracePeriodSeconds },
  };
}
