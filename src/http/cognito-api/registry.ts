import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Services } from '../../core/services.js';

export interface ActionContext {
  services: Services;
  request: FastifyRequest;
}

export interface Action<S extends z.ZodType = z.ZodType> {
  /** Admin operations need a valid AWS Signature Version 4; users' own calls do not. */
  admin: boolean;
  input: S;
  run(input: z.infer<S>, ctx: ActionContext): Promise<unknown>;
}

export const userAction = <S extends z.ZodType>(input: S, run: Action<S>['run']): Action<S> => ({ admin: false, input, run });
export const adminAction = <S extends z.ZodType>(input: S, run: Action<S>['run']): Action<S> => ({ admin: true, input, run });

export type ActionTable = Record<string, Action<z.ZodType>>;
