/** User administration (SigV4-signed): AdminCreateUser, AdminDeleteUser, attributes, resets and ListUsers. */
import { z } from 'zod';
import { AppError } from '../../../errors/app-error.js';
import type { User } from '../../../core/model.js';
import type { ActionTable } from '../registry.js';
import { adminAction } from '../registry.js';
import { AttributeList, attributesToRecord, Password, StringMap, UserPoolId, Username, userType } from '../wire.js';
import { requirePoolUser } from './admin-groups.js';

const AttributeName = z.string().min(1).max(32);

export const adminUserActions: ActionTable = {
  AdminCreateUser: adminAction(
    z.object({
      UserPoolId, Username, UserAttributes: AttributeList.optional(), ValidationData: AttributeList.optional(),
      TemporaryPassword: Password.optional(), ForceAliasCreation: z.boolean().optional(),
      MessageAction: z.enum(['RESEND', 'SUPPRESS']).optional(),
      DesiredDeliveryMediums: z.array(z.enum(['SMS', 'EMAIL'])).optional(), ClientMetadata: StringMap.optional(),
    }),
    async (input, ctx) => {
      const pool = await ctx.services.pools.get(input.UserPoolId);
      const user = await ctx.services.admin.createUser(pool, {
        username: input.Username, attributes: attributesToRecord(input.UserAttributes), temporaryPassword: input.TemporaryPassword,
        messageAction: input.MessageAction, desiredDeliveryMediums: input.DesiredDeliveryMediums, forceAliasCreation: input.ForceAliasCreation,
      });
      return { User: { ...userType(user), MFAOptions: [] } };
    },
  ),

  AdminDeleteUser: adminAction(z.object({ UserPoolId, Username }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.admin.deleteUser(pool, user);
    return {};
  }),

  AdminUpdateUserAttributes: adminAction(
    z.object({ UserPoolId, Username, UserAttributes: AttributeList, ClientMetadata: StringMap.optional() }),
    async (input, ctx) => {
      const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
      await ctx.services.admin.updateUserAttributes(pool, user, attributesToRecord(input.UserAttributes));
      return {};
    },
  ),

  AdminDeleteUserAttributes: adminAction(z.object({ UserPoolId, Username, UserAttributeNames: z.array(AttributeName) }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.admin.deleteUserAttributes(pool, user, input.UserAttributeNames);
    return {};
  }),

  AdminResetUserPassword: adminAction(z.object({ UserPoolId, Username, ClientMetadata: StringMap.optional() }), async (input, ctx) => {
    const { pool, user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.admin.resetUserPassword(pool, user);
    return {};
  }),

  ListUsers: adminAction(
    z.object({
      UserPoolId, AttributesToGet: z.array(AttributeName).optional(), Limit: z.number().int().min(0).max(60).optional(),
      PaginationToken: z.string().min(1).max(1024).optional(), Filter: z.string().max(256).optional(),
    }),
    async (input, ctx) => {
      const pool = await ctx.services.pools.get(input.UserPoolId);
      const wanted = input.AttributesToGet;
      if (wanted) {
        const unknown = wanted.find((n) => !/^(custom:|dev:)?[\w]+$/.test(n));
        if (unknown) throw new AppError('InvalidParameter', `Invalid attribute name in AttributesToGet: ${unknown}`);
      }
      const { users, paginationToken } = await ctx.services.admin.listUsers(pool, {
        limit: input.Limit === undefined || input.Limit === 0 ? 60 : input.Limit, paginationToken: input.PaginationToken, filter: input.Filter,
      });
      const shown = (u: User) => {
        const t = userType(u);
        return wanted ? { ...t, Attributes: t.Attributes.filter((a) => wanted.includes(a.Name)) } : t;
      };
      return { Users: users.map(shown), ...(paginationToken ? { PaginationToken: paginationToken } : {}) };
    },
  ),
};
