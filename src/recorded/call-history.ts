/**
 * One guarded call's start input and result, read from its history: the first page (short histories hold the
 * close event too), else the close event alone; for an open run, its start event alone. Payloads are decoded with
 * the client's data converter.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { GuardedCallInput, GuardResult } from '../workflows/definitions';
import { decodeFirst } from './decode-payload';
import { timestampDate, type VisibilityRow } from './visibility-rows';

/** What a call's history says: the start input as recorded (not yet checked) and the result once completed. */
export interface CallHistory {
  call: GuardedCallInput | undefined;
  result: GuardResult | undefined;
  startedAt: Date | undefined;
}

const FIRST_PAGE_EVENTS = 100;
const { HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT } = temporal.api.enums.v1.HistoryEventFilterType;

/**
 * Reads the call's start input and, for a completed run, its result.
 * @throws Error when the history cannot be fetched or decoded (an encrypted payload names its key id)
 */
export async function readCallHistory(client: Client, row: VisibilityRow): Promise<CallHistory> {
  const execution = { workflowId: row.workflowId, runId: row.runId };
  const { namespace } = client.options;
  // An open run has no result yet: its start event alone is read (a page of one event costs the server about
  // 60% of a whole short history; bench/backtest-profile.ts).
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace,
    execution,
    maximumPageSize: row.running ? 1 : FIRST_PAGE_EVENTS,
  });
  const events = page.history?.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${row.workflowId}: history has no start event`);
  let closed = events.find((e) => e.workflowExecutionCompletedEventAttributes);
  if (!closed && page.nextPageToken?.length && !row.running) {
    const close = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution,
      historyEventFilterType: HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    });
    closed = close.history?.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
  }
  const call = await decodeFirst<GuardedCallInput>(client, started.input?.payloads, 'start input');
  const resultPayloads = closed?.workflowExecutionCompletedEventAttributes?.result?.payloads;
  const result = resultPayloads?.length ? await decodeFirst<GuardResult>(client, resultPayloads, 'result') : undefined;
  return { call, result, startedAt: timestampDate(events[0]?.eventTime) };
}
