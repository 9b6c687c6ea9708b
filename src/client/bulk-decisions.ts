/** Starting and following `bulkDecision` workflows: one approve or deny over a filter of pending escalations. */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { bulkFilterProblem, matchBulk } from '../approvals/bulk-targets';
import {
  bulkProgressQuery,
  type BulkApprover,
  type BulkDecisionInput,
  type BulkDecisionProgress,
  type BulkFilter,
} from '../workflows/bulk-definitions';

/**
 * A long-running workflow's state: its result once completed, its query's answer while running; undefined for an
 * unknown ID or another workflow type.
 */
export async function resultOrQuery<T>(
  client: Client,
  id: string,
  type: string,
  query: QueryDefinition<T>,
): Promise<T | undefined> {
  const handle = client.workflow.getHandle(id);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (description.type !== type) return undefined;
  if (description.status.name === 'COMPLETED') return (await handle.result()) as T;
  return handle.query(query);
}

/** The workflow type of bulk decisions. */
export const BULK_DECISION_TYPE = 'bulkDecision';

/** A bulk decision as asked for. */
export interface BulkDecisionRequest {
  decision: 'approve' | 'deny';
  reason?: string;
  filter: BulkFilter;
  approver: BulkApprover;
  /** Tuning of the workflow: escalations per page, updates in flight, pages per run. */
  tuning?: Pick<BulkDecisionInput, 'pageSize' | 'concurrency' | 'pagesPerRun'>;
}

/** A filter or request that cannot run; the message names the problem. */
export class BulkDecisionError extends Error {
  override name = 'BulkDecisionError';
}

function describeFilter(filter: BulkFilter): string {
  const parts = [
    ...(filter.ids ? [`${filter.ids.length} IDs`] : []),
    ...(['batch', 'tool', 'rule'] as const).flatMap((key) => (filter[key] ? [`${key}=${filter[key]}`] : [])),
    ...(filter.olderThanMs !== undefined ? [`older than ${Math.round(filter.olderThanMs / 1000)} s`] : []),
    ...(filter.where ? [`where ${filter.where}`] : []),
  ];
  return parts.join(', ');
}

/**
 * Bulk decisions on a task queue's escalations. `start` returns at once with the workflow's ID; the workflow
 * decides each escalation through its own `decide` update and survives restarts of the caller and of workers.
 */
export class BulkDecisionClient {
  /**
   * @param client a connected Temporal client
   * @param taskQueue the task queue of the guarded calls (and of the bulk decision itself)
   */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  /** @throws BulkDecisionError for a filter that cannot run */
  check(request: BulkDecisionRequest): void {
    const problem = bulkFilterProblem(request.filter);
    if (problem) throw new BulkDecisionError(problem);
  }

  /** How many pending escalations the filter covers now, and a few of their IDs; decides nothing. */
  async dryRun(request: BulkDecisionRequest, now = new Date()): Promise<{ count: number; sample: string[] }> {
    this.check(request);
    return matchBulk(this.client, {
      filter: request.filter,
      taskQueue: this.taskQueue,
      requestedAt: now.toISOString(),
    });
  }

  /** Starts the bulk decision. @returns its workflow ID (`bulk-<uuid>`) */
  async start(request: BulkDecisionRequest, now = new Date()): Promise<string> {
    this.check(request);
    const id = `bulk-${randomUUID()}`;
    const input: BulkDecisionInput = {
      decision: request.decision,
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
      filter: request.filter,
      approver: request.approver,
      taskQueue: this.taskQueue,
      requestedAt: now.toISOString(),
      ...request.tuning,
    };
    await this.client.workflow.start(BULK_DECISION_TYPE, {
      workflowId: id,
      taskQueue: this.taskQueue,
      args: [input],
      staticSummary: `${request.decision} ${describeFilter(request.filter)} as ${request.approver.id}`,
    });
    return id;
  }

  /** Progress while running, the final counts once done; undefined for an unknown ID or another workflow type. */
  async progress(id: string): Promise<BulkDecisionProgress | undefined> {
    return resultOrQuery(this.client, id, BULK_DECISION_TYPE, bulkProgressQuery);
  }

  /** Waits for the end. */
  async result(id: string): Promise<BulkDecisionProgress> {
    return (await this.client.workflow.getHandle(id).result()) as BulkDecisionProgress;
  }
}
