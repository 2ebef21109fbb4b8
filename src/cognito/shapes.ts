/**
 * Cognito's request shapes (PascalCase, as CreateUserPool / CreateUserPoolClient take them),
 * validated with Cognito's constraints. The config file and the JSON API both parse with these,
 * so a pool written either way is the same pool.
 */
import { z } from 'zod';
import { CLIENT_ID_PATTERN, POOL_ID_PATTERN } from '../core/pools/ids.js';

const stringNumber = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => Number(v));
const url = z.string().min(1).max(1024);

export const PasswordPolicyShape = z.strictObject({
  MinimumLength: z.number().int().min(6).max(99).optional(),
  RequireUppercase: z.boolean().optional(),
  RequireLowercase: z.boolean().optional(),
  RequireNumbers: z.boolean().optional(),
  RequireSymbols: z.boolean().optional(),
  TemporaryPasswordValidityDays: z.number().int().min(0).max(365).optional(),
  PasswordHistorySize: z.number().int().min(0).max(24).optional(),
});

export const SchemaAttributeShape = z.strictObject({
  Name: z.string().min(1).max(20).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u),
  AttributeDataType: z.enum(['String', 'Number', 'DateTime', 'Boolean']).optional(),
  DeveloperOnlyAttribute: z.boolean().optional(),
  Mutable: z.boolean().optional(),
  Required: z.boolean().optional(),
  NumberAttributeConstraints: z.strictObject({ MinValue: stringNumber.optional(), MaxValue: stringNumber.optional() }).optional(),
  StringAttributeConstraints: z.strictObject({ MinLength: stringNumber.optional(), MaxLength: stringNumber.optional() }).optional(),
});

export const TokenUnitShape = z.enum(['seconds', 'minutes', 'hours', 'days']);

export const UserPoolClientShape = z.strictObject({
  ClientId: z.string().min(1).max(128).regex(CLIENT_ID_PATTERN).optional(),
  ClientName: z.string().min(1).max(128).regex(/^[\w\s+=,.@-]+$/),
  ClientSecret: z.string().min(24).max(64).regex(/^[\w+]+$/).optional(),
  GenerateSecret: z.boolean().optional(),
  CallbackURLs: z.array(url).max(100).optional(),
  LogoutURLs: z.array(url).max(100).optional(),
  DefaultRedirectURI: url.optional(),
  AllowedOAuthFlows: z.array(z.enum(['code', 'implicit', 'client_credentials'])).max(3).optional(),
  AllowedOAuthScopes: z.array(z.string().min(1).max(256)).max(50).optional(),
  AllowedOAuthFlowsUserPoolClient: z.boolean().optional(),
  ExplicitAuthFlows: z.array(z.enum([
    'ADMIN_NO_SRP_AUTH', 'CUSTOM_AUTH_FLOW_ONLY', 'USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
    'ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_AUTH',
  ])).optional(),
  SupportedIdentityProviders: z.array(z.string().min(1).max(32)).optional(),
  AccessTokenValidity: z.number().int().positive().optional(),
  IdTokenValidity: z.number().int().positive().optional(),
  RefreshTokenValidity: z.number().int().min(0).optional(),
  TokenValidityUnits: z.strictObject({
    AccessToken: TokenUnitShape.optional(),
    IdToken: TokenUnitShape.optional(),
    RefreshToken: TokenUnitShape.optional(),
  }).optional(),
  ReadAttributes: z.array(z.string().min(1).max(32)).optional(),
  WriteAttributes: z.array(z.string().min(1).max(32)).optional(),
  PreventUserExistenceErrors: z.enum(['ENABLED', 'LEGACY']).optional(),
  EnableTokenRevocation: z.boolean().optional(),
  AuthSessionValidity: z.number().int().min(3).max(15).optional(),
  RefreshTokenRotation: z.strictObject({
    Feature: z.enum(['ENABLED', 'DISABLED']),
    RetryGracePeriodSeconds: z.number().int().min(0).max(60).optional(),
  }).optional(),
});

export const GroupShape = z.strictObject({
  GroupName: z.string().min(1).max(128).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u),
  Description: z.string().max(2048).optional(),
  Precedence: z.number().int().min(0).optional(),
  RoleArn: z.string().min(20).max(2048).optional(),
});

export const ResourceServerShape = z.strictObject({
  Identifier: z.string().min(1).max(256).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/),
  Name: z.string().min(1).max(256),
  Scopes: z.array(z.strictObject({
    ScopeName: z.string().min(1).max(256).regex(/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/),
    ScopeDescription: z.string().min(1).max(256),
  })).max(100).optional(),
});

export const AttributeShape = z.strictObject({ Name: z.string().min(1).max(32), Value: z.string().max(2048) });

/** The settings half of CreateUserPool (no Clients, Groups or Users). */
export const UserPoolSettingsShape = {
  Id: z.string().min(1).max(55).regex(POOL_ID_PATTERN).optional(),
  PoolName: z.string().min(1).max(128).regex(/^[\w\s+=,.@-]+$/),
  Policies: z.strictObject({ PasswordPolicy: PasswordPolicyShape.optional() }).optional(),
  UsernameAttributes: z.array(z.enum(['email', 'phone_number'])).optional(),
  AliasAttributes: z.array(z.enum(['email', 'phone_number', 'preferred_username'])).optional(),
  AutoVerifiedAttributes: z.array(z.enum(['email', 'phone_number'])).optional(),
  Schema: z.array(SchemaAttributeShape).max(50).optional(),
  MfaConfiguration: z.enum(['OFF', 'ON', 'OPTIONAL']).optional(),
  /** CloudFormation's field (not CreateUserPool's): the factors offered when MFA is ON or OPTIONAL. */
  EnabledMfas: z.array(z.enum(['SMS_MFA', 'SOFTWARE_TOKEN_MFA'])).max(2).optional(),
  SmsAuthenticationMessage: z.string().min(6).max(140).regex(/\{####\}/, 'must contain {####}').optional(),
  AdminCreateUserConfig: z.strictObject({
    AllowAdminCreateUserOnly: z.boolean().optional(),
    UnusedAccountValidityDays: z.number().int().min(0).max(365).optional(),
    InviteMessageTemplate: z.strictObject({
      EmailMessage: z.string().min(6).max(20000).optional(),
      EmailSubject: z.string().min(1).max(140).optional(),
      SMSMessage: z.string().min(6).max(140).optional(),
    }).optional(),
  }).optional(),
  AccountRecoverySetting: z.strictObject({
    RecoveryMechanisms: z.array(z.strictObject({
      Name: z.enum(['verified_email', 'verified_phone_number', 'admin_only']),
      Priority: z.number().int().min(1).max(2),
    })).min(1).max(2),
  }).optional(),
  UsernameConfiguration: z.strictObject({ CaseSensitive: z.boolean() }).optional(),
  VerificationMessageTemplate: z.strictObject({
    EmailMessage: z.string().min(6).max(20000).optional(),
    EmailSubject: z.string().min(1).max(140).optional(),
    DefaultEmailOption: z.enum(['CONFIRM_WITH_CODE']).optional(),
  }).optional(),
  EmailVerificationMessage: z.string().min(6).max(20000).optional(),
  EmailVerificationSubject: z.string().min(1).max(140).optional(),
  DeletionProtection: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  UserPoolTags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  /** OpenPool extension (not a Cognito field): DISABLED turns USER_SRP_AUTH off for the pool. */
  SrpAuthentication: z.enum(['ENABLED', 'DISABLED']).optional(),
  /**
   * OpenPool extension (not a Cognito field): DISABLED stops refusing chosen passwords that are on
   * the bundled list of breached passwords. ENABLED by default.
   */
  BreachedPasswordCheck: z.enum(['ENABLED', 'DISABLED']).optional(),
};

export const UserPoolSettingsObject = z.strictObject(UserPoolSettingsShape);

export type PasswordPolicyInput = z.infer<typeof PasswordPolicyShape>;
export type UserPoolClientInput = z.infer<typeof UserPoolClientShape>;
export type UserPoolSettingsInput = z.infer<typeof UserPoolSettingsObject>;
export type GroupInput = z.infer<typeof GroupShape>;
export type ResourceServerInput = z.infer<typeof ResourceServerShape>;
