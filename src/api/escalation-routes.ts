/** `/v1/escalations`: list, show, approve, deny, and mint one-click links. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { guardMessage } from '../workflows/error-codes';
import { valueLimitProblem } from '../workflows/input-limits';
import { approverOf, requireApprover } from './auth';
import type { ApiContext } from './context';
import { assertMayDecide, decideEscalation } from './decide';
import { escalationStatus, getEscalation, listEscalations } from './escalations';
import { ApiError } from './errors';
import { emptyBodyAsObject } from './json-body';
import { listOptions } from './list-options';
import {
  approveBodySchema,
  denyBodySchema,
  escalationParamsSchema,
  listQuerySchema,
  type ApproveBody,
  type DenyBody,
  type ListQuery,
} from './schemas';

type WithId = { Params: { id: string } };

/** The edited input within the input limits, refused before anything reaches Temporal. */
async function editWithinLimits(request: FastifyRequest<{ Body: ApproveBody }>): Promise<void> {
  const { modifiedInput } = request.body;
  const problem =
    modifiedInput === undefined ? undefined : valueLimitProblem("'modifiedInput'", modifiedInput, 'input');
  if (problem) throw new ApiError('GUARD_INPUT_LIMIT', `${problem}: send a smaller edit`);
}

/** Where links point: the configured public URL, else this request's own origin. */
export function baseUrl(context: ApiContext, request: FastifyRequest): string {
  return context.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function registerEscalationRoutes(app: FastifyInstance, context: ApiContext): void {
  const { client, guard } = context;
  const onRequest = requireApprover(context.approvers);

  app.get('/v1/me', { onRequest }, async (request) => approverOf(request));

  app.get<{ Querystring: ListQuery }>(
    '/v1/escalations',
    { onRequest, schema: { querystring: listQuerySchema } },
    async (request) => listEscalations(client, listOptions(request.query, context.taskQueue)),
  );

  app.get<WithId>('/v1/escalations/:id', { onRequest, schema: { params: escalationParamsSchema } }, async (request) =>
    getEscalation(client, request.params.id),
  );

  app.post<WithId & { Body: ApproveBody }>(
    '/v1/escalations/:id/approve',
    {
      onRequest,
      preValidation: emptyBodyAsObject,
      preHandler: editWithinLimits,
      schema: { params: escalationParamsSchema, body: approveBodySchema },
    },
    async (request) => {
      const approver = approverOf(request);
      await assertMayDecide(context.groups, request.params.id, approver);
      return decideEscalation({ client, guard, lanes: context.lanes }, request.params.id, approver, {
        decision: 'approve',
        ...request.body,
      });
    },
  );

  app.post<WithId & { Body: DenyBody }>(
    '/v1/escalations/:id/deny',
    { onRequest, schema: { params: escalationParamsSchema, body: denyBodySchema } },
    async (request) => {
      const approver = approverOf(request);
      await assertMayDecide(context.groups, request.params.id, approver);
      return decideEscalation({ client, guard, lanes: context.lanes }, request.params.id, approver, {
        decision: 'deny',
        ...request.body,
      });
    },
  );

  app.post<WithId>(
    '/v1/escalations/:id/links',
    {
      onRequest,
      preValidation: emptyBodyAsObject,
      schema: { params: escalationParamsSchema, body: { type: 'object', additionalProperties: false } },
    },
    async (request) => {
      const { links } = context;
      if (!links) {
        throw new ApiError(
          'GUARD_LINKS_DISABLED',
          'approval links are off: set DURABLE_GUARD_LINK_SECRET (openssl rand -base64 32) and restart the API',
        );
      }
      const id = request.params.id;
      const approver = approverOf(request);
      await assertMayDecide(context.groups, id, approver);
      const status = await escalationStatus(client, id);
      if (status.status === 'timed-out')
        throw new ApiError('GUARD_TIMED_OUT', guardMessage('GUARD_TIMED_OUT', id, status.expiresAt));
      if (status.status !== 'pending-approval') {
        throw new ApiError('GUARD_ALREADY_DECIDED', `escalation ${id} is ${status.status}, not waiting for approval`);
      }
      const base = baseUrl(context, request);
      const approve = links.sign({
        escalationId: id,
        decision: 'approve',
        approver: approver.id,
        groups: approver.groups,
      });
      const deny = links.sign({ escalationId: id, decision: 'deny', approver: approver.id, groups: approver.groups });
      return {
        escalationId: id,
        approver: approver.id,
        approve: `${base}/v1/links/${approve}`,
        deny: `${base}/v1/links/${deny}`,
        expiresAt: new Date(links.verify(approve).expiresAt).toISOString(),
      };
    },
  );
}
