/** `POST /v1/escalations/:id/extend`: an approver moves the end of a pending window, up to the rule's maxWindow. */
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../policy/duration';
import { approverOf, requireApprover } from './auth';
import type { ApiContext } from './context';
import { assertMayDecide } from './decide';
import { ApiError } from './errors';
import { escalationParamsSchema } from './schemas';

export const extendBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['for'],
  properties: {
    for: { type: 'string', minLength: 2, maxLength: 32, description: 'how much longer, e.g. 24h' },
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
  },
} as const;

interface ExtendBody {
  for: string;
  reason?: string;
}

export function registerExtendRoute(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Params: { id: string }; Body: ExtendBody }>(
    '/v1/escalations/:id/extend',
    {
      onRequest: requireApprover(context.approvers),
      schema: { params: escalationParamsSchema, body: extendBodySchema },
    },
    async (request) => {
      const extendBy = parseDuration(request.body.for);
      if (extendBy === undefined || extendBy <= 0) {
        throw new ApiError('GUARD_INVALID_REQUEST', `for=${request.body.for} is not a duration: use one like 4h or 1d`);
      }
      const approver = approverOf(request);
      const { id } = request.params;
      await assertMayDecide(context.groups, id, approver);
      return context.guard.extend(id, {
        by: approver.id,
        groups: approver.groups,
        extendBy,
        ...(request.body.reason !== undefined ? { reason: request.body.reason } : {}),
      });
    },
  );
}
