/** `GET /v1/escalations/groups`: the pending queue grouped by batch, tool and rule. */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { resultOrQuery } from '../client/bulk-decisions';
import { progressQuery, type BatchProgress } from '../workflows/definitions';
import { requireApprover } from './auth';
import { MAX_GROUPS_PAGE, groupsQuerySchema, type GroupsQuery } from './bulk-schemas';
import type { ApiContext } from './context';
import { groupEscalations, parseGroupBy, type GroupsOptions } from './escalation-groups';
import { ApiError } from './errors';

/** The validated query string as grouping options. @throws ApiError for a page size out of range */
export function groupsOptions(query: GroupsQuery, taskQueue: string): GroupsOptions {
  const pageSize = query.pageSize === undefined ? 50 : Number(query.pageSize);
  if (pageSize < 1 || pageSize > MAX_GROUPS_PAGE) {
    throw new ApiError(
      'GUARD_INVALID_REQUEST',
      `pageSize=${query.pageSize} is out of range: use 1 to ${MAX_GROUPS_PAGE}`,
    );
  }
  return {
    taskQueue,
    by: parseGroupBy(query.by),
    pageSize,
    ...(query.batch !== undefined ? { batch: query.batch } : {}),
    ...(query.tool !== undefined ? { tool: query.tool } : {}),
    ...(query.rule !== undefined ? { rule: query.rule } : {}),
    ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}),
  };
}

/** The `progress` of each batch that has a `guardBatch` workflow (running or finished), by batch ID. */
export async function batchProgressOf(client: Client, batchIds: string[]): Promise<Map<string, BatchProgress>> {
  const unique = [...new Set(batchIds)];
  const answers = await Promise.all(
    unique.map((id) => resultOrQuery(client, id, 'guardBatch', progressQuery).catch(() => undefined)),
  );
  const progress = new Map<string, BatchProgress>();
  unique.forEach((id, i) => {
    const answer = answers[i];
    if (answer) progress.set(id, answer);
  });
  return progress;
}

export function registerGroupRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: GroupsQuery }>(
    '/v1/escalations/groups',
    { onRequest: requireApprover(context.approvers), schema: { querystring: groupsQuerySchema } },
    async (request) => groupEscalations(context.client, groupsOptions(request.query, context.taskQueue)),
  );
}
