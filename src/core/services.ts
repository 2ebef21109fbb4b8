/** The use cases, bound to their dependencies: what every surface calls. */
import type { CoreDeps } from './deps.js';
import type { Client, ClientSettings, KeyPurpose, MfaType, PoolSettings, ResourceServer, User, UserPool } from './model.js';
import { listSigningKeys, rotateSigningKeys } from './keys/rotate.js';
import { StalePlanError, type ConfigPlan } from '../storage/storage.js';
import { buildConfigPlan, type PoolDefinition } from './pools/apply-config.js';
import { findClient, requirePool } from './pools/lookup.js';
import * as adminPools from './pools/admin-pools.js';
import * as adminGroups from './pools/admin-groups.js';
import * as adminUsers from './users/admin-directory.js';
import { describePasswordPolicy } from './pools/password-policy.js';
import {
  completeAuthorization,
  validateAuthorizationRequest,
  type AuthorizationParams,
  type AuthorizationRequest,
} from './oauth/authorize.js';
import { authenticateClient } from './oauth/client-auth.js';
import { clientCredentialsGrant, exchangeAuthorizationCode, refreshTokenGrant, userInfo, type CodeExchange } from './oauth/grants.js';
import { auditedRefresh, revokeRefreshToken } from './tokens/families.js';
import { audited } from './audit/record.js';
import { listUserAuthEvents } from './audit/list-events.js';
import {
  associateWithSession,
  passwordSignIn,
  recordMfaChange,
  refreshTokenSignIn,
  requireAuthFlow,
  respondMfaCode,
  respondMfaSetup,
  respondNewPassword,
  respondSelectMfaType,
  verifyWithSession,
} from './auth/api-sign-in.js';
import { recordSignIn, signInSucceeded, type SignInOutcome } from './auth/sign-in-events.js';
import { userMfaSettingList } from './mfa/factors.js';
import { setUserMfaPreference, type MfaPreferenceInput, type PoolMfaInput } from './mfa/preferences.js';
import { checkFactor, secondFactorStep, startFactor } from './mfa/second-factor.js';
import { associateSoftwareToken, pendingSoftwareToken, verifySoftwareToken } from './mfa/software-token.js';
import { verifySecretHash } from './auth/secret-hash.js';
import { storeSrpVerifier } from './auth/srp-verifier.js';
import { respondPasswordVerifier, startSrpSignIn } from './auth/srp-sign-in.js';
import { changePassword, globalSignOut, requireTokenUser } from './auth/self-service.js';
import { sendAttributeVerificationCode, updateOwnAttributes, verifyOwnAttribute } from './users/update-attributes.js';
import { requiredAttributes } from './users/attributes.js';
import { authenticatePassword } from './users/authenticate.js';
import {
  createBrowserSession,
  endBrowserSession,
  openPendingSignIn,
  resumeBrowserSession,
  sealPendingSignIn,
  type PendingKind,
} from './users/browser-session.js';
import { completeNewPassword } from './users/new-password.js';
import { adminConfirmSignUp, adminGlobalSignOut, adminSetUserPassword, setUserEnabled } from './users/admin-users.js';
import { findUserBySignInName } from './users/identity.js';
import { confirmForgotPassword, forgotPassword } from './users/password-reset.js';
import { poolExistence } from './pools/existence.js';
import { confirmSignUp, resendConfirmationCode, signUp, type SignUpInput } from './users/sign-up.js';
import type { AliasOptions } from './users/save-user.js';

export function createServices(deps: CoreDeps) {
  const existence = poolExistence(deps);
  return {
    deps,
    pools: {
      get: (poolId: string) => requirePool(deps, poolId),
      /** Whether the pool exists, as of at most POOL_EXISTENCE_TTL_MS ago (for the endpoints polled most). */
      exists: (poolId: string) => existence.exists(poolId),
      list: () => deps.storage.pools.list(),
      findClient: (clientId: string) => findClient(deps, clientId),
      listClients: (poolId: string) => deps.storage.clients.listByPool(poolId),
      /** Validates every definition, then writes all of them in one transaction and makes signing keys. */
      async apply(definitions: PoolDefinition[], region: string) {
        const passwords = new Map<string, string>();
        let plan: ConfigPlan;
        for (let attempt = 1; ; attempt++) {
          plan = await buildConfigPlan(deps, definitions, region, passwords);
          try {
            await deps.storage.applyConfig(plan);
            break;
          } catch (error) {
            // Another instance applied the same file between our plan and our write: plan again
            // against what it stored (the pools and clients it made are then matched, not duplicated).
            if (!(error instanceof StalePlanError) || attempt === 3) throw error;
          }
        }
        for (const pool of plan.pools) await deps.signer.ensureKeys(pool.id);
        for (const { user } of plan.users) {
          // Only users this apply created (a concurrent apply may have made them first).
          const created = await deps.storage.users.get(user.poolId, user.id);
          const pool = plan.pools.find((p) => p.id === user.poolId);
          if (created && pool) await storeSrpVerifier(deps, pool, created, passwords.get(user.id)!);
        }
        return plan;
      },
      passwordRules: (pool: UserPool) => describePasswordPolicy(pool.settings.passwordPolicy),
      requiredAttributes: (pool: UserPool) => requiredAttributes(pool.settings),
    },
    users: {
      // `clientId`, where given, is the app the call came through; it only goes into the audit trail.
      signUp: (pool: UserPool, input: SignUpInput, clientId?: string) => signUp(deps, pool, input, clientId),
      confirmSignUp: (pool: UserPool, username: string, code: string, clientId?: string, aliases?: AliasOptions) =>
        confirmSignUp(deps, pool, username, code, clientId, aliases),
      resendConfirmationCode: (pool: UserPool, username: string, clientId?: string) => resendConfirmationCode(deps, pool, username, clientId),
      forgotPassword: (pool: UserPool, username: string, clientId?: string) => forgotPassword(deps, pool, username, clientId),
      confirmForgotPassword: (pool: UserPool, username: string, code: string, password: string, clientId?: string) =>
        confirmForgotPassword(deps, pool, username, code, password, clientId),
      authenticatePassword: (pool: UserPool, username: string, password: string) => authenticatePassword(deps, pool, username, password),
      completeNewPassword: (pool: UserPool, userId: string, password: string, attributes: Record<string, string>, clientId?: string) =>
        audited(deps, { type: 'PasswordChange', poolId: pool.id, userId, clientId }, () => completeNewPassword(deps, pool, userId, password, attributes)),
      get: (poolId: string, userId: string) => deps.storage.users.get(poolId, userId),
      findBySignInName: (pool: UserPool, name: string) => findUserBySignInName(deps.storage, pool, name),
      count: (poolId: string) => deps.storage.users.count(poolId),
      adminConfirm: (pool: UserPool, user: User) => adminConfirmSignUp(deps, pool, user),
      setEnabled: (pool: UserPool, user: User, enabled: boolean) => setUserEnabled(deps, pool, user, enabled),
      /** AdminUserGlobalSignOut (recorded as a GlobalSignOut event). */
      signOutEverywhere: (pool: UserPool, user: User) => adminGlobalSignOut(deps, pool, user),
      adminSetPassword: (pool: UserPool, user: User, password: string, permanent: boolean) => adminSetUserPassword(deps, pool, user, password, permanent),
    },
    oauth: {
      validateAuthorizationRequest: (params: AuthorizationParams) => validateAuthorizationRequest(deps, params),
      completeAuthorization: (req: AuthorizationRequest, auth: { user: User; authTime: number; amr: string[] }) =>
        completeAuthorization(deps, req, auth),
      authenticateClient: (clientId: string | undefined, secret: string | undefined) => authenticateClient(deps, clientId, secret),
      exchangeCode: (pool: UserPool, client: Client, input: CodeExchange) => exchangeAuthorizationCode(deps, pool, client, input),
      refresh: (pool: UserPool, client: Client, refreshToken: string | undefined) =>
        auditedRefresh(deps, pool, client, refreshToken, (stored) => refreshTokenGrant(deps, pool, client, refreshToken, stored)),
      clientCredentials: (pool: UserPool, client: Client, scope: string | undefined) => clientCredentialsGrant(deps, pool, client, scope),
      revoke: (client: Client, token: string) => revokeRefreshToken(deps, client, token),
      userInfo: (accessToken: string) => userInfo(deps, accessToken),
    },
    sessions: {
      create: (pool: UserPool, user: User, amr: string[]) => createBrowserSession(deps, pool, user, amr),
      resume: (pool: UserPool, id: string | undefined) => resumeBrowserSession(deps, pool, id),
      end: (id: string | undefined) => endBrowserSession(deps, id),
      sealPending: (kind: PendingKind, poolId: string, userId: string) => sealPendingSignIn(deps, kind, poolId, userId),
      openPending: (kind: PendingKind, poolId: string, sealed: string | undefined) => openPendingSignIn(deps, kind, poolId, sealed),
    },
    /** Second factors: the same calls serve the API and the hosted pages. */
    mfa: {
      settings: async (pool: UserPool, user: User) => {
        const mfa = await deps.storage.mfa.get(pool.id, user.id);
        return { enabled: userMfaSettingList(mfa), preferred: mfa?.preferred };
      },
      secondFactorStep: (pool: UserPool, user: User) => secondFactorStep(deps, pool, user),
      startFactor: (pool: UserPool, user: User, factor: MfaType) => startFactor(deps, pool, user, factor),
      checkFactor: (pool: UserPool, user: User, factor: MfaType, code: string | undefined) => checkFactor(deps, pool, user, factor, code),
      associate: (pool: UserPool, user: User) => associateSoftwareToken(deps, pool, user),
      /** The secret being set up, or a new one. */
      pendingOrNew: async (pool: UserPool, user: User) => (await pendingSoftwareToken(deps, pool, user)) ?? associateSoftwareToken(deps, pool, user),
      async verify(pool: UserPool, user: User, code: string, clientId?: string) {
        await verifySoftwareToken(deps, pool, user, code);
        await recordMfaChange(deps, pool, user, clientId);
      },
      async setPreference(pool: UserPool, user: User, input: MfaPreferenceInput, clientId?: string) {
        await setUserMfaPreference(deps, pool, user, input);
        await recordMfaChange(deps, pool, user, clientId);
      },
      setPoolConfig: (poolId: string, input: PoolMfaInput) => adminPools.setUserPoolMfaConfig(deps, poolId, input),
    },
    /** Sign-in outcomes the hosted pages report (the API's are recorded inside its flows). */
    signIns: {
      failed: (outcome: Omit<SignInOutcome, 'outcome'>) => recordSignIn(deps, { ...outcome, outcome: 'Fail' }),
      succeeded: (outcome: Omit<SignInOutcome, 'outcome' | 'error' | 'factor'> & { user: User }) => signInSucceeded(deps, outcome),
    },
    keys: {
      jwks: (poolId: string) => deps.signer.jwks(poolId),
      /** New signing keys for the pool (both purposes unless narrowed); the old ones stay published while their tokens live. */
      rotate: (poolId: string, purposes?: readonly KeyPurpose[]) => rotateSigningKeys(deps, poolId, purposes),
      list: (poolId: string) => listSigningKeys(deps, poolId),
    },
    /** For load balancers and orchestrators (GET /ready). */
    health: {
      ready: () => deps.storage.ready(),
    },
    api: {
      requireAuthFlow,
      verifySecretHash,
      passwordSignIn: (pool: UserPool, client: Client, username: string, password: string) => passwordSignIn(deps, pool, client, username, password),
      refreshTokenSignIn: (pool: UserPool, client: Client, params: { refreshToken?: string; secretHash?: string }) =>
        auditedRefresh(deps, pool, client, params.refreshToken, (stored) => refreshTokenSignIn(deps, pool, client, params, stored)),
      respondNewPassword: (pool: UserPool, client: Client, session: string | undefined, password: string | undefined, attributes: Record<string, string>) =>
        respondNewPassword(deps, pool, client, session, password, attributes),
      startSrp: (pool: UserPool, client: Client, username: string | undefined, srpA: string | undefined) => startSrpSignIn(deps, pool, client, username, srpA),
      respondPasswordVerifier: (pool: UserPool, client: Client, responses: Record<string, string>) => respondPasswordVerifier(deps, pool, client, responses),
      respondMfaCode: (pool: UserPool, client: Client, challengeName: string, session: string | undefined, responses: Record<string, string>) =>
        respondMfaCode(deps, pool, client, challengeName, session, responses),
      respondSelectMfaType: (pool: UserPool, client: Client, session: string | undefined, answer: string | undefined) =>
        respondSelectMfaType(deps, pool, client, session, answer),
      respondMfaSetup: (pool: UserPool, client: Client, session: string | undefined) => respondMfaSetup(deps, pool, client, session),
      associateWithSession: (session: string | undefined) => associateWithSession(deps, session),
      verifyWithSession: (session: string | undefined, code: string) => verifyWithSession(deps, session, code),
      requireTokenUser: (accessToken: string | undefined) => requireTokenUser(deps, accessToken),
      changePassword: (accessToken: string | undefined, previous: string, proposed: string) => changePassword(deps, accessToken, previous, proposed),
      globalSignOut: (accessToken: string | undefined) => globalSignOut(deps, accessToken),
      updateAttributes: (pool: UserPool, client: Client | undefined, user: User, attributes: Record<string, string>) =>
        updateOwnAttributes(deps, pool, client, user, attributes),
      sendVerificationCode: (pool: UserPool, user: User, attribute: string) => sendAttributeVerificationCode(deps, pool, user, attribute),
      verifyAttribute: (pool: UserPool, user: User, attribute: string, code: string) => verifyOwnAttribute(deps, pool, user, attribute, code),
    },
    /** The administrative API's writes (pools, clients, resource servers, groups, users). */
    admin: {
      createPool: (input: { name: string; settings: PoolSettings; region: string }) => adminPools.createUserPool(deps, input),
      updatePool: (poolId: string, input: { name?: string; settings: PoolSettings }) => adminPools.updateUserPool(deps, poolId, input),
      async deletePool(poolId: string) {
        await adminPools.deleteUserPool(deps, poolId);
        existence.forget(poolId);
      },
      createClient: (poolId: string, input: { name: string; settings: ClientSettings; generateSecret: boolean; secret?: string }) =>
        adminPools.createUserPoolClient(deps, poolId, input),
      updateClient: (poolId: string, clientId: string, input: { name?: string; settings: ClientSettings }) =>
        adminPools.updateUserPoolClient(deps, poolId, clientId, input),
      deleteClient: (poolId: string, clientId: string) => adminPools.deleteUserPoolClient(deps, poolId, clientId),
      createResourceServer: (server: ResourceServer) => adminPools.createResourceServer(deps, server),
      getResourceServer: (poolId: string, identifier: string) => adminPools.requireResourceServer(deps, poolId, identifier),
      listResourceServers: (poolId: string) => adminPools.listResourceServers(deps, poolId),
      updateResourceServer: (server: ResourceServer) => adminPools.updateResourceServer(deps, server),
      deleteResourceServer: (poolId: string, identifier: string) => adminPools.deleteResourceServer(deps, poolId, identifier),
      createGroup: (poolId: string, name: string, fields: adminGroups.GroupFields) => adminGroups.createGroup(deps, poolId, name, fields),
      getGroup: (poolId: string, name: string) => adminGroups.requireGroup(deps, poolId, name),
      updateGroup: (poolId: string, name: string, fields: Partial<adminGroups.GroupFields>) => adminGroups.updateGroup(deps, poolId, name, fields),
      deleteGroup: (poolId: string, name: string) => adminGroups.deleteGroup(deps, poolId, name),
      listGroups: (poolId: string) => adminGroups.listGroups(deps, poolId),
      addUserToGroup: (user: User, group: string) => adminGroups.addUserToGroup(deps, user, group),
      removeUserFromGroup: (user: User, group: string) => adminGroups.removeUserFromGroup(deps, user, group),
      listUsersInGroup: (poolId: string, group: string) => adminGroups.listUsersInGroup(deps, poolId, group),
      listGroupsForUser: (user: User) => adminGroups.listGroupsForUser(deps, user),
      createUser: (pool: UserPool, input: adminUsers.AdminCreateUserInput) => adminUsers.adminCreateUser(deps, pool, input),
      deleteUser: (pool: UserPool, user: User) => adminUsers.adminDeleteUser(deps, pool, user),
      updateUserAttributes: (pool: UserPool, user: User, attributes: Record<string, string>) => adminUsers.adminUpdateUserAttributes(deps, pool, user, attributes),
      deleteUserAttributes: (pool: UserPool, user: User, names: string[]) => adminUsers.adminDeleteUserAttributes(deps, pool, user, names),
      resetUserPassword: (pool: UserPool, user: User) => adminUsers.adminResetUserPassword(deps, pool, user),
      listUsers: (pool: UserPool, input: { limit: number; paginationToken?: string; filter?: string }) => adminUsers.listUsers(deps, pool, input),
      listUserAuthEvents: (user: User, input: { maxResults?: number; nextToken?: string }) => listUserAuthEvents(deps, user, input),
    },
    issuer: deps.issuer,
  };
}

export type Services = ReturnType<typeof createServices>;
