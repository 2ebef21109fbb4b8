/** SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword. */
import { z } from 'zod';
import { AppError } from '../../../errors/app-error.js';
import type { UserPool } from '../../../core/model.js';
import type { CodeDeliveryDetails } from '../../../core/users/codes.js';
import type { ActionContext, ActionTable } from '../registry.js';
import { userAction } from '../registry.js';
import {
  AttributeList, attributesToRecord, ClientId, codeDelivery, ConfirmationCode, hidesUsers, Password, requireClient, SecretHash, StringMap, Username,
} from '../wire.js';

const WithClient = { ClientId, SecretHash, ClientMetadata: StringMap.optional() };

/** A believable answer for an unknown user, so the API does not reveal who has an account. */
const simulatedDelivery = (username: string) => ({
  CodeDeliveryDetails: { Destination: username.includes('@') ? `${username[0]}***@${username.split('@')[1]?.[0] ?? ''}***` : '+*******0000', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
});

/** A call that emails a code; for an unknown user it answers as if it had (PreventUserExistenceErrors). */
async function sendCodeAction(
  ctx: ActionContext,
  input: { ClientId: string; SecretHash?: string; Username: string },
  send: (pool: UserPool, clientId: string) => Promise<CodeDeliveryDetails>,
) {
  const { client, pool } = await requireClient(ctx, input.ClientId);
  ctx.services.api.verifySecretHash(client, input.SecretHash, [input.Username]);
  try {
    return { CodeDeliveryDetails: codeDelivery(await send(pool, client.id)) };
  } catch (error) {
    if (error instanceof AppError && error.code === 'UserNotFound' && hidesUsers(client)) return simulatedDelivery(input.Username);
    throw error;
  }
}

export const signUpActions: ActionTable = {
  SignUp: userAction(
    z.object({ ...WithClient, Username, Password, UserAttributes: AttributeList.optional(), ValidationData: AttributeList.optional() }),
    async (input, ctx) => {
      const { client, pool } = await requireClient(ctx, input.ClientId);
      ctx.services.api.verifySecretHash(client, input.SecretHash, [input.Username]);
      const result = await ctx.services.users.signUp(pool, { username: input.Username, password: input.Password, attributes: attributesToRecord(input.UserAttributes) }, client.id);
      return {
        UserConfirmed: result.userConfirmed,
        UserSub: result.user.id,
        ...(result.codeDelivery ? { CodeDeliveryDetails: codeDelivery(result.codeDelivery) } : {}),
      };
    },
  ),

  ConfirmSignUp: userAction(
    z.object({ ...WithClient, Username, ConfirmationCode, ForceAliasCreation: z.boolean().optional() }),
    async (input, ctx) => {
      const { client, pool } = await requireClient(ctx, input.ClientId);
      ctx.services.api.verifySecretHash(client, input.SecretHash, [input.Username]);
      try {
        await ctx.services.users.confirmSignUp(pool, input.Username, input.ConfirmationCode, client.id, { forceAliasCreation: input.ForceAliasCreation });
      } catch (error) {
        if (error instanceof AppError && error.code === 'UserNotFound' && hidesUsers(client)) {
          throw new AppError('CodeMismatch', 'Invalid verification code provided, please try again.');
        }
        throw error;
      }
      return {};
    },
  ),

  ResendConfirmationCode: userAction(z.object({ ...WithClient, Username }), (input, ctx) =>
    sendCodeAction(ctx, input, (pool, clientId) => ctx.services.users.resendConfirmationCode(pool, input.Username, clientId))),

  ForgotPassword: userAction(z.object({ ...WithClient, Username }), (input, ctx) =>
    sendCodeAction(ctx, input, (pool, clientId) => ctx.services.users.forgotPassword(pool, input.Username, clientId))),

  ConfirmForgotPassword: userAction(
    z.object({ ...WithClient, Username, ConfirmationCode, Password }),
    async (input, ctx) => {
      const { client, pool } = await requireClient(ctx, input.ClientId);
      ctx.services.api.verifySecretHash(client, input.SecretHash, [input.Username]);
      try {
        await ctx.services.users.confirmForgotPassword(pool, input.Username, input.ConfirmationCode, input.Password, client.id);
      } catch (error) {
        if (error instanceof AppError && error.code === 'UserNotFound' && hidesUsers(client)) {
          throw new AppError('CodeMismatch', 'Invalid verification code provided, please try again.');
        }
        throw error;
      }
      return {};
    },
  ),
};
