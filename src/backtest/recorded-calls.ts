/**
 * Recorded guarded calls, streamed: visibility pages in order, each call's start input and result read from its
 * history with bounded concurrency, so memory holds a window of calls whatever the total.
 */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import pLimit from 'p-limit';
import type { GuardAction } from '../policy';
import type { GuardedCallInput, GuardResult, GuardStatus } from '../workflows/definitions';
import { visibilityRows, type VisibilityRow } from './visibility-rows';

/** How a human (or the clock) resolved a recorded escalation. */
export type HumanOutcome = 'approved' | 'denied' | 'timed-out' | 'pending';

/** One recorded call, as the backtest needs it. */
export interface RecordedCall {
  workflowId: string;
  runId: string;
  call: GuardedCallInput;
  startedAt: Date;
  /** What the policy in force decided (`escalate` for a call that waited for a human). */
  action: GuardAction;
  /** Set for escalations. */
  outcome?: HumanOutcome;
  /** IDs of the rules the recorded decision names. */
  rules: string[];
  policyVersion?: string;
}

/** A call that is not backtested: refused before any policy saw it, or not readable (decryption, shape). */
export interface UnreadCall {
  workflowId: string;
  runId: string;
  skipped: 'invalid' | 'unreadable';
  reason: string;
}

const ESCALATED_STATUSES: ReadonlySet<GuardStatus> = new Set(['pending-approval', 'approved', 'denied', 'timed-out']);
const FIRST_PAGE_EVENTS = 100;
const { HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT } = temporal.api.enums.v1.HistoryEventFilterType;

function eventDate(time: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!time) return undefined;
  return new Date(Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6));
}

function outcomeOf(status: GuardStatus | undefined, result: GuardResult | undefined): HumanOutcome | undefined {
  const kind = result?.decidedBy?.kind;
  if (kind === 'timeout' || status === 'timed-out') return 'timed-out';
  if (kind === 'human') return result?.action === 'block' ? 'denied' : 'approved';
  if (status === 'approved' || status === 'denied') return status;
  if (status === 'pending-approval') return 'pending';
  return undefined;
}

/** Reads one call's history: the start input from the first page, the result from the close event. */
async function readCall(client: Client, info: VisibilityRow): Promise<RecordedCall | UnreadCall> {
  const execution = { workflowId: info.workflowId, runId: info.runId };
  const ids = { workflowId: info.workflowId, runId: info.runId };
  try {
    const { namespace, loadedDataConverter } = client.options;
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution,
      maximumPageSize: FIRST_PAGE_EVENTS,
    });
    const events = page.history?.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    if (!started) return { ...ids, skipped: 'unreadable', reason: 'history has no start event' };
    let closed = events.find((e) => e.workflowExecutionCompletedEventAttributes);
    if (!closed && page.nextPageToken?.length && !info.running) {
      const close = await client.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution,
        historyEventFilterType: HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      });
      closed = close.history?.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
    }
    const call = await decodeFromPayloadsAtIndex<GuardedCallInput>(loadedDataConverter, 0, started.input?.payloads);
    const resultPayloads = closed?.workflowExecutionCompletedEventAttributes?.result?.payloads;
    const result = resultPayloads?.length
      ? await decodeFromPayloadsAtIndex<GuardResult>(loadedDataConverter, 0, resultPayloads)
      : undefined;
    if (!call || typeof call.tool !== 'string' || typeof call.input !== 'object' || call.input === null) {
      return { ...ids, skipped: 'invalid', reason: 'start input is not a guarded call' };
    }
    if (result && result.policyVersion === undefined && result.reason?.startsWith('invalid call:')) {
      return { ...ids, skipped: 'invalid', reason: result.reason };
    }
    const { status } = info;
    const visible = info.action as GuardAction | undefined;
    const outcome = outcomeOf(status, result);
    const escalated = outcome !== undefined || (status !== undefined && ESCALATED_STATUSES.has(status));
    const action = escalated ? 'escalate' : (result?.action ?? visible);
    if (action === undefined) return { ...ids, skipped: 'unreadable', reason: 'no decision recorded yet' };
    return {
      ...ids,
      call,
      startedAt: eventDate(events[0]?.eventTime) ?? info.startTime ?? new Date(),
      action,
      ...(outcome ? { outcome } : {}),
      rules: result?.rulesTriggered.map((hit) => hit.id) ?? [],
      ...(result?.policyVersion ? { policyVersion: result.policyVersion } : {}),
    };
  } catch (err) {
    return { ...ids, skipped: 'unreadable', reason: (err as Error).message ?? String(err) };
  }
}

/** Options of {@link recordedCalls}. */
export interface RecordedCallsOptions {
  /** At most this many calls. */
  limit?: number;
  /** History reads at once. @default 32 */
  concurrency?: number;
  /** Visibility page size. @default 1000 */
  pageSize?: number;
}

/**
 * The recorded guarded calls matching a visibility query, in visibility order. Never rejects for one call: a call
 * that cannot be read is yielded as an {@link UnreadCall}; a failing visibility query rejects.
 */
export async function* recordedCalls(
  client: Client,
  query: string,
  { limit, concurrency = 32, pageSize = 1000 }: RecordedCallsOptions = {},
): AsyncGenerator<RecordedCall | UnreadCall> {
  const run = pLimit(concurrency);
  // Reads already started, oldest first: at most twice the concurrency, so memory stays bounded.
  const window: Promise<RecordedCall | UnreadCall>[] = [];
  let listed = 0;
  for await (const info of visibilityRows(client, query, pageSize)) {
    if (limit !== undefined && listed >= limit) break;
    listed++;
    window.push(run(() => readCall(client, info)));
    if (window.length >= concurrency * 2) yield await (window.shift() as Promise<RecordedCall | UnreadCall>);
  }
  while (window.length > 0) yield await (window.shift() as Promise<RecordedCall | UnreadCall>);
}
