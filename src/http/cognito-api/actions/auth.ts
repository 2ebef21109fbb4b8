/** InitiateAuth, RespondToAuthChallenge, GetUser, ChangePassword, GlobalSignOut, RevokeToken. */
import { z } from 'zod';
import type { ApiAuthResult } from '../../../core/auth/api-sign-in.js';
import type { Client, UserPool } from '../../../core/model.js';
import { AppError } from '../../../errors/app-error.js';
import type { ActionContext, ActionTable } from '../registry.js';
import { userAction } from '../registry.js';
import { AccessToken, AttributeList, attributesToRecord, ClientId, codeDelivery, hidesUsers, mfaFields, Password, recordToAttributes, requireClient, StringMap } from '../wire.js';

export function authResponse(result: ApiAuthResult) {
  if (result.kind === 'challenge') {
    return { ChallengeName: result.challengeName, ...(result.session ? { Session: result.session } : {}), ChallengeParameters: result.parameters };
  }
  const t = result.tokens;
  return {
    AuthenticationResult: {
      AccessToken: t.accessToken,
      ExpiresIn: t.expiresIn,
      TokenType: 'Bearer',
      ...(result.withRefreshToken && t.refreshToken ? { RefreshToken: t.refreshToken } : {}),
      IdToken: t.idToken,
    },
    ChallengeParameters: {},
  };
}

/** Password sign-in, with PreventUserExistenceErrors applied as a surface policy. */
export async function passwordFlow(ctx: ActionContext, pool: UserPool, client: Client, username: string | undefined, password: string | undefined) {
  if (!username) throw new AppError('InvalidParameter', 'Missing required parameter USERNAME');
  if (!password) throw new AppError('InvalidParameter', 'Missing required parameter PASSWORD');
  try {
    return await ctx.services.api.passwordSignIn(pool, client, username, password);
  } catch (error) {
    if (error instanceof AppError && error.code === 'UserNotFound' && hidesUsers(client)) {
      throw new AppError('NotAuthorized', 'Incorrect username or password.');
    }
    throw error;
  }
}

export const ChallengeInput = z.object({
  ClientId, ChallengeName: z.string().min(1), Session: z.string().min(20).max(4096).optional(), ChallengeResponses: StringMap.optional(),
  ClientMetadata: StringMap.optional(),
});

/** RespondToAuthChallenge and its admin twin: challenge name → handler. */
export async function respondToChallenge(ctx: ActionContext, pool: UserPool, client: Client, input: z.infer<typeof ChallengeInput>) {
  const r = input.ChallengeResponses ?? {};
  ctx.services.api.verifySecretHash(client, r.SECRET_HASH, [r.USERNAME]);
  switch (input.ChallengeName) {
    case 'PASSWORD_VERIFIER':
      return authResponse(await ctx.services.api.respondPasswordVerifier(pool, client, r));
    case 'NEW_PASSWORD_REQUIRED': {
      const attributes = Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('userAttributes.')).map(([k, v]) => [k.slice(15), v]));
      return authResponse(await ctx.services.api.respondNewPassword(pool, client, input.Session, r.NEW_PASSWORD, attributes));
    }
    case 'SMS_MFA':
    case 'SOFTWARE_TOKEN_MFA':
      return authResponse(await ctx.services.api.respondMfaCode(pool, client, input.ChallengeName, input.Session, r));
    case 'SELECT_MFA_TYPE':
      return authResponse(await ctx.services.api.respondSelectMfaType(pool, client, input.Session, r.ANSWER));
    case 'MFA_SETUP':
      return authResponse(await ctx.services.api.respondMfaSetup(pool, client, input.Session));
    default:
      throw new AppError('InvalidParameter', `Unsupported ChallengeName ${input.ChallengeName.slice(0, 64)}`);
  }
}

export const authActions: ActionTable = {
  InitiateAuth: userAction(
    z.object({ AuthFlow: z.string().min(1), ClientId, AuthParameters: StringMap.optional(), ClientMetadata: StringMap.optional() }),
    async (input, ctx) => {
      const { client, pool } = await requireClient(ctx, input.ClientId);
      const p = input.AuthParameters ?? {};
      switch (input.AuthFlow) {
        case 'USER_PASSWORD_AUTH': {
          ctx.services.api.requireAuthFlow(client, 'ALLOW_USER_PASSWORD_AUTH');
          ctx.services.api.verifySecretHash(client, p.SECRET_HASH, [p.USERNAME]);
          return authResponse(await passwordFlow(ctx, pool, client, p.USERNAME, p.PASSWORD));
        }
        case 'USER_SRP_AUTH': {
          ctx.services.api.requireAuthFlow(client, 'ALLOW_USER_SRP_AUTH');
          ctx.services.api.verifySecretHash(client, p.SECRET_HASH, [p.USERNAME]);
          return authResponse(await ctx.services.api.startSrp(pool, client, p.USERNAME, p.SRP_A));
        }
        case 'REFRESH_TOKEN_AUTH':
        case 'REFRESH_TOKEN':
          return authResponse(await ctx.services.api.refreshTokenSignIn(pool, client, { refreshToken: p.REFRESH_TOKEN, secretHash: p.SECRET_HASH }));
        case 'ADMIN_USER_PASSWORD_AUTH':
        case 'ADMIN_NO_SRP_AUTH':
          throw new AppError('InvalidParameter', `${input.AuthFlow} is only available through AdminInitiateAuth`);
        default:
          throw new AppError('InvalidParameter', `Unsupported AuthFlow ${input.AuthFlow.slice(0, 64)}`);
      }
    },
  ),

  RespondToAuthChallenge: userAction(ChallengeInput, async (input, ctx) => {
    const { client, pool } = await requireClient(ctx, input.ClientId);
    return respondToChallenge(ctx, pool, client, input);
  }),

  DeleteUser: userAction(z.object({ AccessToken }), async (input, ctx) => {
    const { pool, user } = await ctx.services.api.requireTokenUser(input.AccessToken);
    await ctx.services.admin.deleteUser(pool, user);
    return {};
  }),

  GetUser: userAction(z.object({ AccessToken }), async (input, ctx) => {
    const { pool, user } = await ctx.services.api.requireTokenUser(input.AccessToken);
    return { Username: user.username, UserAttributes: recordToAttributes(user.attributes), ...(await mfaFields(ctx, pool, user)) };
  }),

  ChangePassword: userAction(z.object({ AccessToken, PreviousPassword: Password.optional(), ProposedPassword: Password }), async (input, ctx) => {
    await ctx.services.api.changePassword(input.AccessToken, input.PreviousPassword ?? '', input.ProposedPassword);
    return {};
  }),

  UpdateUserAttributes: userAction(z.object({ AccessToken, UserAttributes: AttributeList, ClientMetadata: StringMap.optional() }), async (input, ctx) => {
    const { pool, user, clientId } = await ctx.services.api.requireTokenUser(input.AccessToken);
    const client = (await ctx.services.pools.findClient(clientId))?.client;
    const sent = await ctx.services.api.updateAttributes(pool, client, user, attributesToRecord(input.UserAttributes));
    return { CodeDeliveryDetailsList: sent.map(codeDelivery) };
  }),

  GetUserAttributeVerificationCode: userAction(z.object({ AccessToken, AttributeName: z.string().min(1).max(32), ClientMetadata: StringMap.optional() }), async (input, ctx) => {
    const { pool, user } = await ctx.services.api.requireTokenUser(input.AccessToken);
    return { CodeDeliveryDetails: codeDelivery(await ctx.services.api.sendVerificationCode(pool, user, input.AttributeName)) };
  }),

  VerifyUserAttribute: userAction(z.object({ AccessToken, AttributeName: z.string().min(1).max(32), Code: z.string().min(1).max(2048) }), async (input, ctx) => {
    const { pool, user } = await ctx.services.api.requireTokenUser(input.AccessToken);
    await ctx.services.api.verifyAttribute(pool, user, input.AttributeName, input.Code);
    return {};
  }),

  GlobalSignOut: userAction(z.object({ AccessToken }), async (input, ctx) => {
    await ctx.services.api.globalSignOut(input.AccessToken);
    return {};
  }),

  RevokeToken: userAction(z.object({ Token: z.string().min(1).max(8192), ClientId, ClientSecret: z.string().min(1).max(64).optional() }), async (input, ctx) => {
    const { client } = await ctx.services.oauth.authenticateClient(input.ClientId, input.ClientSecret);
    if (!client.settings.enableTokenRevocation) throw new AppError('InvalidParameter', 'Token revocation is not enabled for this client.');
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(input.Token)) throw new AppError('UnsupportedTokenType', 'Only refresh tokens can be revoked.');
    await ctx.services.oauth.revoke(client, input.Token);
    return {};
  }),
};
