/**
 * Recorded guarded calls, streamed: visibility pages in order; a call whose memo records it (patch backtest-memo) is
 * read from its row alone, any other has its start input and result read from its history with bounded
 * concurrency, so memory holds a window of calls whatever the total.
 */
import type { Client } from '@temporalio/client';
import type { GuardAction } from '../policy';
import { readCallHistory } from '../recorded/call-history';
import { decodeFirst } from '../recorded/decode-payload';
import { orderedReads } from '../recorded/ordered-reads';
import { visibilityRows, type VisibilityRow } from '../recorded/visibility-rows';
import { CALL_RECORD_MEMO_KEY, type CallRecord } from '../workflows/call-record';
import type { DecidedBy, GuardedCallInput, GuardResult, GuardStatus } from '../workflows/definitions';

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

function outcomeOf(
  status: GuardStatus | undefined,
  result: Pick<GuardResult, 'action' | 'decidedBy'> | undefined,
): HumanOutcome | undefined {
  const kind = result?.decidedBy?.kind;
  if (kind === 'timeout' || status === 'timed-out') return 'timed-out';
  if (kind === 'human') return result?.action === 'block' ? 'denied' : 'approved';
  if (status === 'approved' || status === 'denied') return status;
  if (status === 'pending-approval') return 'pending';
  return undefined;
}

function isCallRecord(value: unknown): value is CallRecord {
  const record = value as Partial<CallRecord> | null | undefined;
  return (
    typeof record?.tool === 'string' &&
    typeof record.input === 'object' &&
    record.input !== null &&
    !Array.isArray(record.input) &&
    (record.policyVersion === undefined || typeof record.policyVersion === 'string')
  );
}

async function memoField<T>(client: Client, info: VisibilityRow, key: string): Promise<T | undefined> {
  const payload = info.memo?.[key];
  return payload ? decodeFirst<T>(client, [payload], `memo's ${key}`) : undefined;
}

/**
 * The policy's action as recorded: `escalate` for a call a human, a timeout or a grant resolved (`resolved`, an
 * outcome, or an escalated status), else the action the decision recorded.
 */
function recordedAction(
  status: GuardStatus | undefined,
  outcome: RecordedCall['outcome'],
  decided: GuardAction | undefined,
  resolved = false,
): GuardAction | undefined {
  const escalated = resolved || outcome !== undefined || (status !== undefined && ESCALATED_STATUSES.has(status));
  return escalated ? 'escalate' : decided;
}

/** The call as its memo records it, with its decision and outcome from the row; undefined without a record. */
async function readMemo(client: Client, info: VisibilityRow): Promise<RecordedCall | undefined> {
  const record = await memoField<CallRecord>(client, info, CALL_RECORD_MEMO_KEY);
  // A memo written by someone else (any client may upsert one) that is not a record: the history decides.
  if (!isCallRecord(record)) return undefined;
  const { policyVersion, ...call } = record;
  // An escalation's resolution writes `decidedBy` (human, timeout or grant); a policy decision writes none.
  const resolvedBy = await memoField<DecidedBy | null>(client, info, 'decidedBy');
  const decidedBy = typeof resolvedBy?.kind === 'string' ? resolvedBy : undefined;
  const visible = info.action as GuardAction | undefined;
  const outcome = outcomeOf(info.status, decidedBy && visible ? { action: visible, decidedBy } : undefined);
  const action = recordedAction(info.status, outcome, visible, decidedBy !== undefined);
  if (action === undefined) return undefined;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    call,
    startedAt: info.startTime ?? new Date(),
    action,
    ...(outcome ? { outcome } : {}),
    rules: info.rules ?? [],
    ...(policyVersion ? { policyVersion } : {}),
  };
}

/** One call as the backtest needs it; never rejects: what cannot be read is an {@link UnreadCall}. */
async function readCall(client: Client, info: VisibilityRow): Promise<RecordedCall | UnreadCall> {
  const ids = { workflowId: info.workflowId, runId: info.runId };
  try {
    const fromMemo = await readMemo(client, info);
    if (fromMemo) return fromMemo;
    const { call, result, startedAt } = await readCallHistory(client, info);
    if (!call || typeof call.tool !== 'string' || typeof call.input !== 'object' || call.input === null) {
      return { ...ids, skipped: 'invalid', reason: 'start input is not a guarded call' };
    }
    if (result && result.policyVersion === undefined && result.reason?.startsWith('invalid call:')) {
      return { ...ids, skipped: 'invalid', reason: result.reason };
    }
    const { status } = info;
    const visible = info.action as GuardAction | undefined;
    const outcome = outcomeOf(status, result);
    const action = recordedAction(status, outcome, result?.action ?? visible);
    if (action === undefined) return { ...ids, skipped: 'unreadable', reason: 'no decision recorded yet' };
    return {
      ...ids,
      call,
      startedAt: startedAt ?? info.startTime ?? new Date(),
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
  const rows = visibilityRows(client, query, pageSize);
  yield* orderedReads(rows, (info) => readCall(client, info), {
    concurrency,
    ...(limit !== undefined ? { limit } : {}),
  });
}
