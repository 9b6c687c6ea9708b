/**
 * Visibility rows of guarded calls, paged straight from the list API: only the IDs, start and close times and our
 * keyword search attributes are decoded; the memo's fields are passed on as payloads (they may be encrypted: readers
 * decode what they need).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  guardActionKey,
  guardBatchIdKey,
  guardRulesKey,
  guardStatusKey,
  guardToolKey,
  type GuardStatus,
} from '../workflows/definitions';

/** One listed run. */
export interface VisibilityRow {
  workflowId: string;
  runId: string;
  startTime?: Date;
  /** Absent while the run is open. */
  closeTime?: Date;
  running: boolean;
  status?: GuardStatus;
  /** `GuardAction`: the action visible now (the final one once decided). */
  action?: string;
  tool?: string;
  /** `GuardBatchId`. */
  batch?: string;
  /** `GuardRules`: the IDs of the rules the decision names. */
  rules?: string[];
  /** The memo's fields, not decoded. */
  memo?: Record<string, temporal.api.common.v1.IPayload>;
}

const RUNNING = temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

/** A protobuf timestamp as a Date (millisecond precision). */
export function timestampDate(time: Timestamp): Date | undefined {
  if (time?.seconds == null) return undefined;
  return new Date(Number(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6));
}

type Fields = Record<string, temporal.api.common.v1.IPayload> | null | undefined;

function keywordList(fields: Fields, name: string): string[] | undefined {
  const payload = fields?.[name];
  if (!payload) return undefined;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function keyword(fields: Fields, name: string) {
  const payload = fields?.[name];
  if (!payload) return undefined;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Every run matching `query`, one page of `pageSize` in memory at a time, in the order visibility lists them (SQL
 * visibility: close time newest first, open runs first, then start time and run ID).
 */
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
      const startTime = timestampDate(execution.startTime);
      const closeTime = timestampDate(execution.closeTime);
      const batch = keyword(fields, guardBatchIdKey.name);
      const rules = keywordList(fields, guardRulesKey.name);
      const memo = execution.memo?.fields;
      yield {
        workflowId: execution.execution?.workflowId ?? '',
        runId: execution.execution?.runId ?? '',
        ...(startTime ? { startTime } : {}),
        ...(closeTime ? { closeTime } : {}),
        running: execution.status === RUNNING,
        status: keyword(fields, guardStatusKey.name) as GuardStatus | undefined,
        action: keyword(fields, guardActionKey.name),
        tool: keyword(fields, guardToolKey.name),
        ...(batch !== undefined ? { batch } : {}),
        ...(rules !== undefined ? { rules } : {}),
        ...(memo && Object.keys(memo).length > 0 ? { memo } : {}),
      };
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
