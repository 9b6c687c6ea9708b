/** `GET/POST /v1/grants`, `GET/DELETE /v1/grants/:id`: standing grants ("approve all like this", for a while). */
import type { FastifyInstance } from 'fastify';
import { GrantClient, GrantError } from '../client/grant-client';
import { parseDuration } from '../policy/duration';
import type { GrantState } from '../workflows/grant-definitions';
import { approverOf, requireApprover } from './auth';
import type { ApiContext } from './context';
import { ApiError } from './errors';
import {
  grantBodySchema,
  grantListQuerySchema,
  grantParamsSchema,
  revokeQuerySchema,
  type GrantBody,
} from './grant-schemas';

function asApiError(err: unknown): unknown {
  return err instanceof GrantError ? new ApiError(err.code, err.message, { cause: err }) : err;
}

export function registerGrantRoutes(app: FastifyInstance, context: ApiContext): void {
  const onRequest = requireApprover(context.approvers);
  const grants = new GrantClient(context.client, context.taskQueue);

  app.post<{ Body: GrantBody }>(
    '/v1/grants',
    { onRequest, schema: { body: grantBodySchema } },
    async (request, reply) => {
      const { fromEscalation, scope, expiresIn, reason } = request.body;
      const durationMs = parseDuration(expiresIn);
      if (durationMs === undefined || !(durationMs > 0)) {
        throw new ApiError('GUARD_INVALID_REQUEST', `expiresIn=${expiresIn} is not a duration: use e.g. 30m or 8h`);
      }
      if (fromEscalation === undefined && (scope?.tool === undefined || scope.rule === undefined)) {
        throw new ApiError('GUARD_INVALID_REQUEST', 'give fromEscalation, or scope.tool and scope.rule');
      }
      const approver = approverOf(request);
      try {
        const grant = await grants.create({
          ...(scope ? { scope } : {}),
          ...(fromEscalation !== undefined ? { fromEscalation } : {}),
          durationMs,
          reason,
          // Identity and groups come from the token, never from the body.
          approver: { id: approver.id, groups: approver.groups },
        });
        return reply.code(201).header('location', `/v1/grants/${grant.id}`).send(grant);
      } catch (err) {
        throw asApiError(err);
      }
    },
  );

  app.get<{ Querystring: { state?: GrantState; tool?: string } }>(
    '/v1/grants',
    { onRequest, schema: { querystring: grantListQuerySchema } },
    async (request) => ({ grants: await grants.list(request.query) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/grants/:id',
    { onRequest, schema: { params: grantParamsSchema } },
    async (request) => {
      const grant = await grants.get(request.params.id);
      if (!grant) throw new ApiError('GUARD_GRANT_NOT_FOUND', `no standing grant with ID ${request.params.id}`);
      return grant;
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { reason?: string } }>(
    '/v1/grants/:id',
    { onRequest, schema: { params: grantParamsSchema, querystring: revokeQuerySchema } },
    async (request) => {
      const approver = approverOf(request);
      try {
        return await grants.revoke(request.params.id, approver, request.query.reason);
      } catch (err) {
        throw asApiError(err);
      }
    },
  );
}
