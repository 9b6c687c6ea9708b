/** `POST /v1/escalations/decisions` and `GET /v1/escalations/decisions/:id`: bulk approve or deny over a filter. */
import type { FastifyInstance } from 'fastify';
import { BulkDecisionClient, BulkDecisionError, type BulkDecisionRequest } from '../client/bulk-decisions';
import { parseDuration } from '../policy/duration';
import { approverOf, requireApprover } from './auth';
import { bulkBodySchema, bulkParamsSchema, type BulkBody } from './bulk-schemas';
import type { ApiContext } from './context';
import { ApiError } from './errors';
import { MAX_LISTING_AGE_DAYS } from './schemas';

function bulkRequest(body: BulkBody, approver: { id: string; groups: string[] }): BulkDecisionRequest {
  if (body.decision === 'deny' && body.reason === undefined) {
    throw new ApiError('GUARD_INVALID_REQUEST', 'a bulk deny needs a reason: it is shown to every caller denied');
  }
  const { olderThan, ...rest } = body.filter;
  let olderThanMs: number | undefined;
  if (olderThan !== undefined) {
    olderThanMs = parseDuration(olderThan);
    if (olderThanMs === undefined || !(olderThanMs <= MAX_LISTING_AGE_DAYS * 86_400_000)) {
      throw new ApiError(
        'GUARD_INVALID_REQUEST',
        `filter.olderThan=${olderThan} is out of range: use a duration like 10m, 2h or 7d`,
      );
    }
  }
  return {
    decision: body.decision,
    ...(body.reason !== undefined ? { reason: body.reason } : {}),
    filter: { ...rest, ...(olderThanMs !== undefined ? { olderThanMs } : {}) },
    // Identity and groups come from the token, never from the body.
    approver: { id: approver.id, groups: approver.groups },
  };
}

export function registerBulkRoutes(app: FastifyInstance, context: ApiContext): void {
  const onRequest = requireApprover(context.approvers);
  const bulk = new BulkDecisionClient(context.client, context.taskQueue);

  app.post<{ Body: BulkBody }>(
    '/v1/escalations/decisions',
    { onRequest, schema: { body: bulkBodySchema } },
    async (request, reply) => {
      const asked = bulkRequest(request.body, approverOf(request));
      try {
        if (request.body.dryRun) return { dryRun: true, ...(await bulk.dryRun(asked)) };
        const id = await bulk.start(asked);
        return reply.code(202).send({ id, state: 'running', url: `/v1/escalations/decisions/${id}` });
      } catch (err) {
        if (err instanceof BulkDecisionError) throw new ApiError('GUARD_INVALID_REQUEST', err.message, { cause: err });
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/escalations/decisions/:id',
    { onRequest, schema: { params: bulkParamsSchema } },
    async (request) => {
      const progress = await bulk.progress(request.params.id);
      if (!progress) {
        throw new ApiError('GUARD_BULK_DECISION_NOT_FOUND', `no bulk decision with ID ${request.params.id}`);
      }
      return progress;
    },
  );
}
