/** Groups and membership (SigV4-signed): CreateGroup … ListUsersInGroup. */
import { z } from 'zod';
import { GroupShape } from '../../../cognito/shapes.js';
import type { Group } from '../../../core/model.js';
import { AppError } from '../../../errors/app-error.js';
import type { ActionContext, ActionTable } from '../registry.js';
import { adminAction } from '../registry.js';
import { UserPoolId, Username, userType } from '../wire.js';
import { paginate } from './admin-read.js';

const GroupName = GroupShape.shape.GroupName;
const Limit = z.number().int().min(0).max(60).optional();
const NextToken = z.string().min(1).max(1024).optional();

export const groupType = (g: Group) => ({
  GroupName: g.name,
  UserPoolId: g.poolId,
  ...(g.description !== undefined ? { Description: g.description } : {}),
  ...(g.roleArn !== undefined ? { RoleArn: g.roleArn } : {}),
  ...(g.precedence !== undefined ? { Precedence: g.precedence } : {}),
  LastModifiedDate: g.updatedAt / 1000,
  CreationDate: g.createdAt / 1000,
});

export async function requirePoolUser(ctx: ActionContext, poolId: string, username: string) {
  const pool = await ctx.services.pools.get(poolId);
  const user = await ctx.services.users.findBySignInName(pool, username);
  if (!user) throw new AppError('UserNotFound', 'User does not exist.');
  return { pool, user };
}

/** Limit 0 is Cognito's "the default" (60). */
const pageSize = (limit: number | undefined) => (limit === undefined || limit === 0 ? 60 : limit);

export const adminGroupActions: ActionTable = {
  CreateGroup: adminAction(z.strictObject({ UserPoolId, ...GroupShape.shape }), async (input, ctx) => {
    const group = await ctx.services.admin.createGroup(input.UserPoolId, input.GroupName, {
      description: input.Description, precedence: input.Precedence, roleArn: input.RoleArn,
    });
    return { Group: groupType(group) };
  }),

  GetGroup: adminAction(z.object({ UserPoolId, GroupName }), async (input, ctx) => {
    return { Group: groupType(await ctx.services.admin.getGroup(input.UserPoolId, input.GroupName)) };
  }),

  UpdateGroup: adminAction(z.strictObject({ UserPoolId, ...GroupShape.shape }), async (input, ctx) => {
    const group = await ctx.services.admin.updateGroup(input.UserPoolId, input.GroupName, {
      description: input.Description, precedence: input.Precedence, roleArn: input.RoleArn,
    });
    return { Group: groupType(group) };
  }),

  DeleteGroup: adminAction(z.object({ UserPoolId, GroupName }), async (input, ctx) => {
    await ctx.services.admin.deleteGroup(input.UserPoolId, input.GroupName);
    return {};
  }),

  ListGroups: adminAction(z.object({ UserPoolId, Limit, NextToken }), async (input, ctx) => {
    const groups = await ctx.services.admin.listGroups(input.UserPoolId);
    const { page, next } = paginate(groups, (g) => g.name, pageSize(input.Limit), input.NextToken);
    return { Groups: page.map(groupType), ...(next ? { NextToken: next } : {}) };
  }),

  AdminAddUserToGroup: adminAction(z.object({ UserPoolId, Username, GroupName }), async (input, ctx) => {
    const { user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.admin.addUserToGroup(user, input.GroupName);
    return {};
  }),

  AdminRemoveUserFromGroup: adminAction(z.object({ UserPoolId, Username, GroupName }), async (input, ctx) => {
    const { user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    await ctx.services.admin.removeUserFromGroup(user, input.GroupName);
    return {};
  }),

  AdminListGroupsForUser: adminAction(z.object({ UserPoolId, Username, Limit, NextToken }), async (input, ctx) => {
    const { user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
    const groups = await ctx.services.admin.listGroupsForUser(user);
    const { page, next } = paginate(groups, (g) => g.name, pageSize(input.Limit), input.NextToken);
    return { Groups: page.map(groupType), ...(next ? { NextToken: next } : {}) };
  }),

  ListUsersInGroup: adminAction(z.object({ UserPoolId, GroupName, Limit, NextToken }), async (input, ctx) => {
    const users = (await ctx.services.admin.listUsersInGroup(input.UserPoolId, input.GroupName))
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
    const { page, next } = paginate(users, (u) => u.username, pageSize(input.Limit), input.NextToken);
    return { Users: page.map(userType), ...(next ? { NextToken: next } : {}) };
  }),
};
