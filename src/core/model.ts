/** Domain model: what a user pool, client and user are, independent of any wire format. */

export type UsernameAttribute = 'email' | 'phone_number';
export type AliasAttribute = 'email' | 'phone_number' | 'preferred_username';
export type VerifiableAttribute = 'email' | 'phone_number';
export type OAuthFlow = 'code' | 'implicit' | 'client_credentials';
export type TokenUnit = 'seconds' | 'minutes' | 'hours' | 'days';
export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';
export type MfaConfiguration = 'OFF' | 'ON' | 'OPTIONAL';
/** The second factors OpenPool offers, under Cognito's challenge names. */
export type MfaType = 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA';

export interface PasswordPolicy {
  minimumLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
  temporaryPasswordValidityDays: number;
  passwordHistorySize: number;
}

export interface SchemaAttribute {
  name: string;
  dataType: 'String' | 'Number' | 'DateTime' | 'Boolean';
  required: boolean;
  mutable: boolean;
  developerOnly: boolean;
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
}

export interface RecoveryMechanism {
  name: 'verified_email' | 'verified_phone_number' | 'admin_only';
  priority: number;
}

export interface PoolSettings {
  usernameAttributes: UsernameAttribute[];
  aliasAttributes: AliasAttribute[];
  autoVerifiedAttributes: VerifiableAttribute[];
  caseSensitive: boolean;
  passwordPolicy: PasswordPolicy;
  /** Custom and required attributes declared on the pool (standard ones are implicit). */
  schema: SchemaAttribute[];
  mfaConfiguration: MfaConfiguration;
  /**
   * The factors users may use when MFA is ON or OPTIONAL (CloudFormation's `EnabledMfas`).
   * Undefined on pools stored before MFA existed: TOTP only.
   */
  enabledMfas?: MfaType[];
  /** The SMS text of an MFA code; `{####}` stands for the code. */
  smsAuthenticationMessage?: string;
  allowAdminCreateUserOnly: boolean;
  unusedAccountValidityDays?: number;
  accountRecovery: RecoveryMechanism[];
  deletionProtection: 'ACTIVE' | 'INACTIVE';
  emailVerificationSubject?: string;
  emailVerificationMessage?: string;
  tags: Record<string, string>;
  /**
   * OpenPool extension: whether USER_SRP_AUTH is offered (and SRP verifiers are kept). Stored pools
   * from before the setting existed have it undefined, which means enabled.
   */
  srpEnabled?: boolean;
  /**
   * OpenPool extension: whether chosen passwords are checked against the bundled list of breached
   * passwords. Undefined (pools stored before the setting existed) means enabled.
   */
  breachedPasswordCheck?: boolean;
  /**
   * Cognito fields OpenPool accepts and echoes back but does not act on yet
   * (kept verbatim so DescribeUserPool returns what was set).
   */
  passthrough: Record<string, unknown>;
}

export interface UserPool {
  id: string;
  name: string;
  settings: PoolSettings;
  createdAt: number;
  updatedAt: number;
}

export interface TokenValidity {
  /** Seconds. */
  accessToken: number;
  idToken: number;
  refreshToken: number;
  /** The values and units as configured, for echoing back in Cognito's shape. */
  configured: {
    accessToken?: number;
    idToken?: number;
    refreshToken?: number;
    units: { accessToken: TokenUnit; idToken: TokenUnit; refreshToken: TokenUnit };
  };
}

export interface ClientSettings {
  callbackUrls: string[];
  logoutUrls: string[];
  defaultRedirectUri?: string;
  allowedOAuthFlows: OAuthFlow[];
  allowedOAuthScopes: string[];
  allowedOAuthFlowsUserPoolClient: boolean;
  explicitAuthFlows: string[];
  supportedIdentityProviders: string[];
  readAttributes?: string[];
  writeAttributes?: string[];
  preventUserExistenceErrors: 'ENABLED' | 'LEGACY';
  enableTokenRevocation: boolean;
  authSessionValidityMinutes: number;
  refreshTokenRotation: { enabled: boolean; retryGracePeriodSeconds: number };
  validity: TokenValidity;
  passthrough: Record<string, unknown>;
}

export interface Client {
  id: string;
  poolId: string;
  name: string;
  /** The secret, decrypted; only in memory. Undefined for public clients. */
  secret?: string;
  settings: ClientSettings;
  createdAt: number;
  updatedAt: number;
}

export interface Group {
  poolId: string;
  name: string;
  description?: string;
  precedence?: number;
  roleArn?: string;
  createdAt: number;
  updatedAt: number;
}

export interface ResourceServerScope {
  name: string;
  description: string;
}

export interface ResourceServer {
  poolId: string;
  identifier: string;
  name: string;
  scopes: ResourceServerScope[];
}

export interface User {
  /** The immutable `sub`. */
  id: string;
  poolId: string;
  /** The real username (a UUID when email or phone is the username attribute). */
  username: string;
  status: UserStatus;
  enabled: boolean;
  passwordHash: string | null;
  /** Attribute name → string value, as Cognito stores them (`email_verified` is "true"/"false"). */
  attributes: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  passwordUpdatedAt: number;
}

export type CodePurpose = 'signup' | 'forgot_password' | 'verify_email' | 'verify_phone_number' | 'sms_mfa';

export interface OneTimeCode {
  poolId: string;
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
  expiresAt: number;
  attempts: number;
  createdAt: number;
}

export interface AuthorizationCode {
  codeHash: string;
  poolId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  authTime: number;
  amr: string[];
  createdAt: number;
  expiresAt: number;
  consumedAt?: number;
  /** The token family the first redemption created; revoked if the code is replayed. */
  originJti?: string;
}

export interface BrowserSession {
  idHash: string;
  poolId: string;
  userId: string;
  authTime: number;
  amr: string[];
  createdAt: number;
  expiresAt: number;
}

/** Everything issued from one authentication: revoking it revokes all its tokens. */
export interface TokenFamily {
  originJti: string;
  poolId: string;
  clientId: string;
  userId: string;
  createdAt: number;
  revokedAt?: number;
}

export interface RefreshToken {
  tokenHash: string;
  originJti: string;
  poolId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  authTime: number;
  amr: string[];
  withIdToken: boolean;
  createdAt: number;
  expiresAt: number;
  /** Set when rotation replaced this token; it keeps working until the grace period ends. */
  replacedAt?: number;
}

export type KeyPurpose = 'id' | 'access';

export interface SigningKey {
  kid: string;
  poolId: string;
  purpose: KeyPurpose;
  algorithm: 'RS256';
  /** Private JWK, sealed with the server's master key. */
  privateJwkSealed: string;
  publicJwk: Record<string, unknown>;
  createdAt: number;
  /** An active key signs new tokens; a retired one only verifies, and is published until `publishUntil`. */
  status: 'active' | 'retired';
  retiredAt?: number;
  /** Epoch ms after which no token signed by this retired key can still be valid. */
  publishUntil?: number;
}

/** A user's second factors. A user without a record has none. */
export interface UserMfa {
  poolId: string;
  userId: string;
  /** The verified authenticator secret (base32), sealed. */
  totpSecretSealed?: string;
  /** A secret handed out by AssociateSoftwareToken and not yet verified, sealed. */
  totpPendingSealed?: string;
  totpEnabled: boolean;
  smsEnabled: boolean;
  preferred?: MfaType;
  /** The last TOTP time step accepted: a code is accepted once. */
  totpLastStep: number;
  updatedAt: number;
}
