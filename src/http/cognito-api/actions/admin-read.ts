/** Administrative reads and simple user administration (SigV4-signed). */
import { z } from 'zod';
import { userPoolClientType, userPoolType } from '../../../cognito/from-domain.js';
import { AppError } from '../../../errors/app-error.js';
import type { ActionTable } from '../registry.js';
import { adminAction } from '../registry.js';
import { ClientId, mfaFields, Password, StringMap, UserPoolId, Username, userType } from '../wire.js';
import { requirePoolUser } from './admin-groups.js';
import { authResponse, ChallengeInput, passwordFlow, respondToChallenge } from './auth.js';

const NextToken = z.string().min(1).max(1024).optional();

/** Opaque pagination over a list sorted by key: the token names the last key returned. */
export function paginate<T>(items: T[], keyOf: (item: T) => string, max: number, token: string | undefined): { page: T[]; next?: string } {
  let start = 0;
  if (token) {
    let after: string;
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw new AppError('InvalidParameter', 'Invalid pagination token.');
    }
    const sorted = items.map(keyOf);
    start = sorted.findIndex((k) => k > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const more = start + max < items.length;
  return { page, next: more ? Buffer.from(keyOf(page[page.length - 1]!), 'utf8').toString('base64url') : undefined };
}

export const adminReadActions: ActionTable = {
  ListUserPools: adminAction(z.object({ MaxResults: z.number().int().min(1).max(60), NextToken }), async (input, ctx) => {
    const pools = (await ctx.services.pools.list()).sort((a, b) => a.id.localeCompare(b.id));
    const { page, next } = paginate(pools, (p) => p.id, input.MaxResults, input.NextToken);
    return {
      UserPools: page.map((p) => ({
        Id: p.id, Name: p.name, LastModifiedDate: p.updatedAt / 1000, CreationDate: p.createdAt / 1000, LambdaConfig: {},
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }),

  DescribeUserPool: adminAction(z.object({ UserPoolId }), async (input, ctx) => {
    const pool = await ctx.services.pools.get(input.UserPoolId);
    const estimatedUsers = await ctx.services.users.count(pool.id);
    return { UserPool: userPoolType(pool, { region: ctx.request.server.httpSettings.region, estimatedUsers }) };
  }),

  ListUserPoolClients: adminAction(z.object({ UserPoolId, MaxResults: z.number().int().min(1).max(60).optional(), NextToken }), async (input, ctx) => {
    await ctx.services.pools.get(input.UserPoolId);
    const clients = (await ctx.services.pools.listClients(input.UserPoolId)).sort((a, b) => a.id.localeCompare(b.id));
    const { page, next } = paginate(clients, (c) => c.id, input.MaxResults ?? 60, input.NextToken);
    return {
      UserPoolClients: page.map((c) => ({ ClientId: c.id, UserPoolId: c.poolId, ClientName: c.name })),
      ...(next ? { NextToken: next } : {}),
    };
  }),

  DescribeUserPoolClient: adminAction(z.object({ UserPoolId, ClientId }), async (input, ctx) => {
    const found = await ctx.services.pools.findClient(input.ClientId);
    if (!found || found.pool.id !== input.UserPoolId) throw new AppError('ResourceNotFound', `User pool client ${input.ClientId} does not exist.`);
    return { UserPoolClient: userPoolClientType(found.client) };
  }),

  AdminGetUser: adminAction(z.object({ UserPoolId, Username }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    // AdminGetUser names the list UserAttributes where ListUsers' UserType says Attributes.
    const { Attributes, ...rest } = userType(user);
    return { ...rest, UserAttributes: Attributes, ...(await mfaFields(ctx, pool, user)) };
  }),

  AdminConfirmSignUp: adminAction(z.object({ UserPoolId, Username, ClientMetadata: StringMap.optional() }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.users.adminConfirm(pool, user);
    return {};
  }),

  AdminDisableUser: adminAction(z.object({ UserPoolId, Username }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.users.setEnabled(pool, user, false);
    return {};
  }),

  AdminEnableUser: adminAction(z.object({ UserPoolId, Username }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.users.setEnabled(pool, user, true);
    return {};
  }),

  AdminUserGlobalSignOut: adminAction(z.object({ UserPoolId, Username }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.users.signOutEverywhere(pool, user);
    return {};
  }),

  AdminSetUserPassword: adminAction(z.object({ UserPoolId, Username, Password, Permanent: z.boolean().optional() }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.users.adminSetPassword(pool, user, input.Password, input.Permanent ?? false);
    return {};
  }),

  AdminRespondToAuthChallenge: adminAction(ChallengeInput.extend({ UserPoolId }), async (input, ctx) => {
    const found = await ctx.services.pools.findClient(input.ClientId);
    if (!found || found.pool.id !== input.UserPoolId) throw new AppError('ResourceNotFound', `User pool client ${input.ClientId} does not exist.`);
    return respondToChallenge(ctx, found.pool, found.client, input);
  }),

  AdminInitiateAuth: adminAction(
    z.object({ UserPoolId, ClientId, AuthFlow: z.string().min(1), AuthParameters: StringMap.optional(), ClientMetadata: StringMap.optional() }),
    async (input, ctx) => {
      const found = await ctx.services.pools.findClient(input.ClientId);
      if (!found || found.pool.id !== input.UserPoolId) throw new AppError('ResourceNotFound', `User pool client ${input.ClientId} does not exist.`);
      const { client, pool } = found;
      const p = input.AuthParameters ?? {};
      switch (input.AuthFlow) {
        case 'ADMIN_USER_PASSWORD_AUTH':
        case 'ADMIN_NO_SRP_AUTH':
          ctx.services.api.requireAuthFlow(client, 'ALLOW_ADMIN_USER_PASSWORD_AUTH');
          ctx.services.api.verifySecretHash(client, p.SECRET_HASH, [p.USERNAME]);
          return authResponse(await passwordFlow(ctx, pool, client, p.USERNAME, p.PASSWORD));
        case 'REFRESH_TOKEN_AUTH':
        case 'REFRESH_TOKEN':
          return authResponse(await ctx.services.api.refreshTokenSignIn(pool, client, { refreshToken: p.REFRESH_TOKEN, secretHash: p.SECRET_HASH }));
        default:
          throw new AppError('InvalidParameter', `Unsupported AuthFlow ${input.AuthFlow.slice(0, 64)}`);
      }
    },
  ),
};
