/** Shared pieces of the Cognito API's input and output shapes. */
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import type { Client, User, UserPool } from '../../core/model.js';
import type { CodeDeliveryDetails } from '../../core/users/codes.js';
import type { ActionContext } from './registry.js';

export const ClientId = z.string().min(1).max(128).regex(/^[\w+]+$/);
export const Username = z.string().min(1).max(128).regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u);
export const Password = z.string().min(1).max(256);
export const SecretHash = z.string().min(1).max(128).optional();
export const ConfirmationCode = z.string().min(1).max(2048).regex(/^[\S]+$/);
export const AccessToken = z.string().min(1).max(8192);
export const UserPoolId = z.string().min(1).max(55).regex(/^[\w-]+_[0-9a-zA-Z]+$/);
export const AttributeList = z.array(z.object({ Name: z.string().min(1).max(32), Value: z.string().max(2048).optional() }));
export const StringMap = z.record(z.string(), z.string());

export const attributesToRecord = (list: z.infer<typeof AttributeList> | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((a) => [a.Name, a.Value ?? '']));

export const recordToAttributes = (attributes: Record<string, string>) => Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));

export const codeDelivery = (d: CodeDeliveryDetails) => ({ Destination: d.destination, DeliveryMedium: d.medium, AttributeName: d.attributeName });

/** The client and pool of a user call, or Cognito's ResourceNotFoundException. */
export async function requireClient(ctx: ActionContext, clientId: string): Promise<{ client: Client; pool: UserPool }> {
  const found = await ctx.services.pools.findClient(clientId);
  if (!found) throw new AppError('ResourceNotFound', `User pool client ${clientId} does not exist.`);
  return found;
}

/** PreventUserExistenceErrors ENABLED (OpenPool's default): an unknown user reads like a wrong password. */
export function hidesUsers(client: Client): boolean {
  return client.settings.preventUserExistenceErrors === 'ENABLED';
}

export function userType(user: User) {
  return {
    Username: user.username,
    Attributes: recordToAttributes(user.attributes),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

/** GetUser's and AdminGetUser's MFA fields: the factors the user turned on, and the preferred one. */
export async function mfaFields(ctx: ActionContext, pool: UserPool, user: User) {
  const { enabled, preferred } = await ctx.services.mfa.settings(pool, user);
  return {
    MFAOptions: enabled.includes('SMS_MFA') ? [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] : [],
    UserMFASettingList: enabled,
    ...(preferred ? { PreferredMfaSetting: preferred } : {}),
  };
}
