/** `GET /v1/escalations/groups`: the pending queue grouped by batch, tool and rule. */
import type { FastifyInstance } from 'fastify';
import { requireApprover } from './auth';
import { MAX_GROUPS_PAGE, groupsQuerySchema, type GroupsQuery } from './bulk-schemas';
import type { ApiContext } from './context';
import { groupEscalations, parseGroupBy } from './escalation-groups';
import { ApiError } from './errors';

export function registerGroupRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: GroupsQuery }>(
    '/v1/escalations/groups',
    { onRequest: requireApprover(context.approvers), schema: { querystring: groupsQuerySchema } },
    async (request) => {
      const { query } = request;
      const pageSize = query.pageSize === undefined ? 50 : Number(query.pageSize);
      if (pageSize < 1 || pageSize > MAX_GROUPS_PAGE) {
        throw new ApiError(
          'GUARD_INVALID_REQUEST',
          `pageSize=${query.pageSize} is out of range: use 1 to ${MAX_GROUPS_PAGE}`,
        );
      }
      return groupEscalations(context.client, {
        taskQueue: context.taskQueue,
        by: parseGroupBy(query.by),
        pageSize,
        ...(query.batch !== undefined ? { batch: query.batch } : {}),
        ...(query.tool !== undefined ? { tool: query.tool } : {}),
        ...(query.rule !== undefined ? { rule: query.rule } : {}),
        ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}),
      });
    },
  );
}
