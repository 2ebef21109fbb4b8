/**
 * CreateUserPool, UpdateUserPool, DeleteUserPool, the app-client writes and the resource-server
 * operations (SigV4-signed). Requests parse with the same Cognito shapes as the config file and
 * map through the same functions (src/cognito), then the core checks the same rules.
 */
import { z } from 'zod';
import { userPoolClientType, userPoolType } from '../../../cognito/from-domain.js';
import { ResourceServerShape, UserPoolClientShape, UserPoolSettingsShape } from '../../../cognito/shapes.js';
import { toClientSettings, toPoolSettings } from '../../../cognito/to-domain.js';
import type { ResourceServer } from '../../../core/model.js';
import type { ActionTable } from '../registry.js';
import { adminAction } from '../registry.js';
import { ClientId, UserPoolId } from '../wire.js';
import { paginate } from './admin-read.js';

const { Id: _id, ...poolFields } = UserPoolSettingsShape;
const { PoolName, UsernameAttributes: _ua, AliasAttributes: _aa, Schema: _schema, UsernameConfiguration: _uc, ...mutablePoolFields } = poolFields;

const CreateUserPoolInput = z.strictObject(poolFields);
const UpdateUserPoolInput = z.strictObject({ UserPoolId, PoolName: PoolName.optional(), ...mutablePoolFields });

const { ClientId: _cid, ...clientFields } = UserPoolClientShape.shape;
const CreateClientInput = z.strictObject({ UserPoolId, ...clientFields, EnablePropagateAdditionalUserContextData: z.boolean().optional() });
const { ClientSecret: _secret, GenerateSecret: _generate, ClientName, ...updatableClientFields } = clientFields;
const UpdateClientInput = z.strictObject({
  UserPoolId, ClientId, ClientName: ClientName.optional(), ...updatableClientFields,
  EnablePropagateAdditionalUserContextData: z.boolean().optional(),
});

const ResourceServerInput = z.strictObject({ UserPoolId, ...ResourceServerShape.shape });
const Identifier = ResourceServerShape.shape.Identifier;

const resourceServerType = (rs: ResourceServer) => ({
  UserPoolId: rs.poolId,
  Identifier: rs.identifier,
  Name: rs.name,
  Scopes: rs.scopes.map((s) => ({ ScopeName: s.name, ScopeDescription: s.description })),
});

const toResourceServer = (input: z.infer<typeof ResourceServerInput>): ResourceServer => ({
  poolId: input.UserPoolId,
  identifier: input.Identifier,
  name: input.Name,
  scopes: (input.Scopes ?? []).map((s) => ({ name: s.ScopeName, description: s.ScopeDescription })),
});

export const adminPoolActions: ActionTable = {
  CreateUserPool: adminAction(CreateUserPoolInput, async (input, ctx) => {
    const region = ctx.request.server.httpSettings.region;
    const pool = await ctx.services.admin.createPool({ name: input.PoolName, settings: toPoolSettings(input), region });
    return { UserPool: userPoolType(pool, { region, estimatedUsers: 0 }) };
  }),

  UpdateUserPool: adminAction(UpdateUserPoolInput, async (input, ctx) => {
    const current = await ctx.services.pools.get(input.UserPoolId);
    const settings = toPoolSettings({ ...input, PoolName: input.PoolName ?? current.name });
    await ctx.services.admin.updatePool(input.UserPoolId, { name: input.PoolName, settings });
    return {};
  }),

  DeleteUserPool: adminAction(z.object({ UserPoolId }), async (input, ctx) => {
    await ctx.services.admin.deletePool(input.UserPoolId);
    return {};
  }),

  CreateUserPoolClient: adminAction(CreateClientInput, async (input, ctx) => {
    const client = await ctx.services.admin.createClient(input.UserPoolId, {
      name: input.ClientName, settings: toClientSettings(input), generateSecret: input.GenerateSecret ?? false, secret: input.ClientSecret,
    });
    return { UserPoolClient: userPoolClientType(client) };
  }),

  UpdateUserPoolClient: adminAction(UpdateClientInput, async (input, ctx) => {
    const client = await ctx.services.admin.updateClient(input.UserPoolId, input.ClientId, {
      name: input.ClientName, settings: toClientSettings({ ...input, ClientName: input.ClientName ?? 'unchanged' }),
    });
    return { UserPoolClient: userPoolClientType(client) };
  }),

  DeleteUserPoolClient: adminAction(z.object({ UserPoolId, ClientId }), async (input, ctx) => {
    await ctx.services.admin.deleteClient(input.UserPoolId, input.ClientId);
    return {};
  }),

  CreateResourceServer: adminAction(ResourceServerInput, async (input, ctx) => {
    return { ResourceServer: resourceServerType(await ctx.services.admin.createResourceServer(toResourceServer(input))) };
  }),

  DescribeResourceServer: adminAction(z.object({ UserPoolId, Identifier }), async (input, ctx) => {
    return { ResourceServer: resourceServerType(await ctx.services.admin.getResourceServer(input.UserPoolId, input.Identifier)) };
  }),

  ListResourceServers: adminAction(
    z.object({ UserPoolId, MaxResults: z.number().int().min(1).max(50).optional(), NextToken: z.string().min(1).max(1024).optional() }),
    async (input, ctx) => {
      const servers = await ctx.services.admin.listResourceServers(input.UserPoolId);
      const { page, next } = paginate(servers, (rs) => rs.identifier, input.MaxResults ?? 50, input.NextToken);
      return { ResourceServers: page.map(resourceServerType), ...(next ? { NextToken: next } : {}) };
    },
  ),

  UpdateResourceServer: adminAction(ResourceServerInput, async (input, ctx) => {
    return { ResourceServer: resourceServerType(await ctx.services.admin.updateResourceServer(toResourceServer(input))) };
  }),

  DeleteResourceServer: adminAction(z.object({ UserPoolId, Identifier }), async (input, ctx) => {
    await ctx.services.admin.deleteResourceServer(input.UserPoolId, input.Identifier);
    return {};
  }),
};
