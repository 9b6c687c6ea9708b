/**
 * Visibility rows of guarded calls, paged straight from the list API: only the IDs, start time and our keyword
 * search attributes are decoded (the memo may be encrypted, and the backtest does not need it).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { guardActionKey, guardStatusKey, guardToolKey, type GuardStatus } from '../workflows/definitions';

/** One listed run. */
export interface VisibilityRow {
  workflowId: string;
  runId: string;
  startTime?: Date;
  running: boolean;
  status?: GuardStatus;
  /** `GuardAction`: the action visible now (the final one once decided). */
  action?: string;
  tool?: string;
}

const RUNNING = temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

function keyword(fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined, name: string) {
  const payload = fields?.[name];
  if (!payload) return undefined;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  return typeof value === 'string' ? value : undefined;
}

/** Every run matching `query`, one page of `pageSize` in memory at a time. */
export async function* visibilityRows(client: Client, query: string, pageSize = 1000): AsyncGenerator<VisibilityRow> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const execution of page.executions ?? []) {
      const fields = execution.searchAttributes?.indexedFields;
      const seconds = execution.startTime?.seconds;
      yield {
        workflowId: execution.execution?.workflowId ?? '',
        runId: execution.execution?.runId ?? '',
        ...(seconds != null
          ? { startTime: new Date(Number(seconds) * 1000 + Math.floor((execution.startTime?.nanos ?? 0) / 1e6)) }
          : {}),
        running: execution.status === RUNNING,
        status: keyword(fields, guardStatusKey.name) as GuardStatus | undefined,
        action: keyword(fields, guardActionKey.name),
        tool: keyword(fields, guardToolKey.name),
      };
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
