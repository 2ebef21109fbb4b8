/** AdminListUserAuthEvents: a user's audit trail (SigV4-signed). */
import { z } from 'zod';
import type { AuthEvent } from '../../../core/ports.js';
import type { ActionTable } from '../registry.js';
import { adminAction } from '../registry.js';
import { UserPoolId, Username } from '../wire.js';
import { requirePoolUser } from './admin-groups.js';

/**
 * Cognito's AuthEventType. OpenPool has no risk engine, so every event is NoRisk; the user agent
 * is what Cognito's DeviceName shows. CreationDate is epoch seconds, the JSON protocol's timestamp.
 */
function authEventType(e: AuthEvent) {
  return {
    EventId: e.id,
    EventType: e.type,
    CreationDate: e.createdAt / 1000,
    EventResponse: e.outcome,
    EventRisk: { RiskDecision: 'NoRisk', CompromisedCredentialsDetected: false },
    ChallengeResponses: e.challenges.map((c) => ({ ChallengeName: c.name, ChallengeResponse: c.response })),
    EventContextData: {
      ...(e.ip !== undefined ? { IpAddress: e.ip } : {}),
      ...(e.userAgent !== undefined ? { DeviceName: e.userAgent } : {}),
    },
  };
}

export const adminAuthEventActions: ActionTable = {
  AdminListUserAuthEvents: adminAction(
    z.object({ UserPoolId, Username, MaxResults: z.number().int().min(0).max(60).optional(), NextToken: z.string().min(1).max(1024).optional() }),
    async (input, ctx) => {
      const { user } = await requirePoolUser(ctx, input.UserPoolId, input.Username);
      const page = await ctx.services.admin.listUserAuthEvents(user, { maxResults: input.MaxResults, nextToken: input.NextToken });
      return { AuthEvents: page.events.map(authEventType), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    },
  ),
};
