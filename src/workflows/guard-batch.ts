import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild as startChild_,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import type { GuardActivities } from '../activities/create-activities';
import type { BatchLine } from '../activities/read-batch-page';
import { BatchState, type Finish } from './batch-state';
import {
  batchInputIssue,
  batchReportIssue,
  DEFAULT_PAGE_SIZE,
  MAX_BATCH_CONCURRENCY,
  outcomesRangeIssue,
  REPORT_REASON_LENGTH,
} from './batch-validation';
import { batchItemIssue, refusedItem, type Issue } from './call-validation';
import {
  BATCH_OUTCOMES_PAGE,
  batchItemSignal,
  batchOutcomesQuery,
  DEFAULT_BATCH_HISTORY_BUDGET,
  denySignal,
  guardBatchIdKey,
  guardToolKey,
  holdReportsAt,
  progressQuery,
  type BatchItem,
  type BatchItemReport,
  type BatchSummary,
  type GuardBatchInput,
} from './definitions';
import { guardedCall } from './guarded-call';
import { itemContext } from './batch-item';
import { PageOutcomes } from './batch-outcomes';
import { runPage } from './batch-pages';
import { HOSTILE_INPUT_PATCH } from './patches';
import type { GuardErrorCode } from './error-codes';

const { readBatchPage } = proxyActivities<GuardActivities>({
  startToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
});

export const DEFAULT_BATCH_CONCURRENCY = 50;
const PAGE_LINES = 500;
/** Children started by one run and still open; the server allows 2,000 pending children per execution. */
const OPEN_CHILDREN_BUDGET = 1_000;
/** Pending escalations denied at once when the batch is cancelled. */
const CANCEL_CHUNK = 200;

function failureReason(err: unknown): string {
  let e = err;
  while (e instanceof ChildWorkflowFailure || e instanceof ActivityFailure) e = e.cause;
  return (e as Error)?.message ?? String(e);
}

/**
 * A batch of guarded calls run by the worker: each item is a `guardedCall` child `<batchId>/<index>` in
 * execute mode. Items deciding or running their tool are bounded by `concurrency`; an item that escalates
 * reports it by signal and stops counting, so waiting approvals never hold back the rest. Each run continues
 * as new before its history grows large, carrying the cursor, the counts and the pending items, which keep
 * running as abandoned children and report their end by signal to whichever run is current.
 */
export async function guardBatch(input: GuardBatchInput): Promise<BatchSummary> {
  const info = workflowInfo();
  // Released versions threw a TypeError (a workflow task failing forever) or ran with the bad value; the patch is
  // asked only for an input they could not run as meant, so a good batch records no marker.
  const inputIssue = batchInputIssue(input);
  if (inputIssue && patched(HOSTILE_INPUT_PATCH)) {
    throw ApplicationFailure.create({
      type: 'GUARD_INVALID_BATCH' satisfies GuardErrorCode,
      message: `invalid batch input: ${inputIssue.message}`,
      nonRetryable: true,
    });
  }
  const batchId = input.batchId ?? info.workflowId;
  const concurrency = Math.min(
    Math.max(Math.floor(input.concurrency ?? DEFAULT_BATCH_CONCURRENCY), 1),
    MAX_BATCH_CONCURRENCY,
  );
  const source = input.source;
  const inline = 'items' in source ? source.items : undefined;
  // Inline items are checked like a file's lines: one that is malformed or over a limit is counted invalid and
  // never handed on (a value nested thousands deep cannot even be written into a child's arguments). The patch
  // is asked only when an item is refused; batches of good items take the path they took before.
  const inlineIssues: (Issue | undefined)[] = inline ? inline.map((item) => batchItemIssue(item)) : [];
  // Page mode is new: it refuses such items without a patch.
  const pageMode = input.mode === 'page';
  const refusing = inlineIssues.some((issue) => issue !== undefined) && (pageMode || patched(HOSTILE_INPUT_PATCH));
  const state = new BatchState(batchId, input.carry, inline ? inline.length : input.expectedTotal);
  if (pageMode) state.outcomes = new PageOutcomes(input.carry?.outcomes);
  const pageLines = pageMode ? (input.pageSize ?? DEFAULT_PAGE_SIZE) : PAGE_LINES;
  let cursor = input.carry?.cursor ?? 0;
  let exhausted = inline ? cursor >= inline.length : state.total !== undefined;
  let buffer: BatchLine[] = [];
  let startsInFlight = 0;

  setHandler(progressQuery, () => state.progress());
  if (pageMode) {
    setHandler(batchOutcomesQuery, (range) => {
      const bad = outcomesRangeIssue(range);
      if (bad) throw new Error(`batchOutcomes: ${bad}`);
      return (state.outcomes as PageOutcomes).read(batchId, {
        offset: range.offset,
        limit: Math.min(range.limit ?? BATCH_OUTCOMES_PAGE, BATCH_OUTCOMES_PAGE),
        total: state.total ?? Math.max(state.nextIndex, input.expectedTotal ?? 0),
        problems: state.listedProblems(),
      });
    });
  }
  setHandler(batchItemSignal, (report: unknown) => {
    // Any Temporal client can send this signal: it is checked, and a bad one is logged (never the payload itself,
    // which may be huge or deep) and ignored. Throwing here would fail the workflow task over and over.
    const at = (report as { index?: unknown } | null)?.index;
    const index = typeof at === 'number' ? at : undefined;
    if (index === undefined) {
      log.warn('ignored a malformed batchItem signal', { problem: 'index must be a number' });
      return;
    }
    if (!state.isRunning(index) && !state.isPending(index)) {
      // Released versions ignored it too (a late duplicate, or not an item of this run): nothing changes.
      log.warn('ignored a batchItem signal for no running or pending item', { index });
      return;
    }
    const issue = batchReportIssue(report);
    if (issue && patched(HOSTILE_INPUT_PATCH)) {
      log.warn('ignored a malformed batchItem signal', { index, problem: issue.message });
      return;
    }
    const { status, action, tool } = report as BatchItemReport;
    let { reason } = report as BatchItemReport;
    if (typeof reason === 'string' && reason.length > REPORT_REASON_LENGTH && patched(HOSTILE_INPUT_PATCH)) {
      reason = `${reason.slice(0, REPORT_REASON_LENGTH)}... (cut at ${REPORT_REASON_LENGTH} characters)`;
    }
    if (status === 'pending-approval') state.markPending(index);
    else state.finish(index, { status, action, reason, tool });
  });
  // BatchClient sets it at start; a batch started otherwise gets it here.
  if (!input.carry && info.typedSearchAttributes.get(guardBatchIdKey) !== batchId) {
    upsertSearchAttributes([{ key: guardBatchIdKey, value: batchId }]);
  }

  const historyBudget = input.historyBudget ?? DEFAULT_BATCH_HISTORY_BUDGET;
  const reportHold = holdReportsAt(historyBudget);
  const historyFull = () =>
    workflowInfo().historyLength > historyBudget ||
    workflowInfo().continueAsNewSuggested ||
    state.openInRun >= OPEN_CHILDREN_BUDGET;

  const refill = async () => {
    if (inline) {
      buffer = inline.slice(cursor, cursor + pageLines).map((item, i) => {
        const issue = refusing ? inlineIssues[cursor + i] : undefined;
        return issue
          ? { error: `item ${cursor + i}: ${issue.message}`, end: cursor + i + 1 }
          : { item, end: cursor + i + 1 };
      });
      exhausted = cursor + buffer.length >= inline.length;
      return;
    }
    const page = await readBatchPage({ path: (source as { path: string }).path, offset: cursor, limit: pageLines });
    buffer = page.lines;
    exhausted = page.eof;
    // Trailing blank lines belong to no item: skip past them once the page is used up.
    if (buffer.length === 0) cursor = page.nextOffset;
  };

  /** The item at `index` as a `guardedCall` child `<batchId>/<index>` in execute mode. */
  const startChild = (item: BatchItem, index: number) => {
    const workflowId = `${batchId}/${index}`;
    startsInFlight += 1;
    const done = (finish: Finish) => state.finish(index, { tool: item.tool, ...finish });
    // Outside the batch's cancellation: cancelling the batch must not cancel the wait for a running item.
    void CancellationScope.nonCancellable(() =>
      startChild_(guardedCall, {
        workflowId,
        args: [
          {
            tool: item.tool,
            input: item.input,
            context: itemContext(item, batchId),
            execute: true,
            ...(input.escalationTimeoutMs ? { escalationTimeoutMs: input.escalationTimeoutMs } : {}),
            batchItem: { batchWorkflowId: info.workflowId, index, holdReportsAt: reportHold },
          },
        ],
        // Items outlive the run that started them (continue-as-new) and a cancelled batch.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Set at start, so the item need not upsert them.
        typedSearchAttributes: [
          { key: guardBatchIdKey, value: batchId },
          { key: guardToolKey, value: item.tool },
        ],
      })
        .then(
          (child) => {
            startsInFlight -= 1;
            return child.result().then(
              (result) => done({ status: 'done', action: result.action, reason: result.reason }),
              (err: unknown) => done({ status: 'failed', reason: failureReason(err) }),
            );
          },
          (err: unknown) => {
            startsInFlight -= 1;
            done({ status: 'failed', reason: `could not start ${workflowId}: ${failureReason(err)}` });
          },
        )
        .catch((err: unknown) => log.error('batch item bookkeeping failed', { workflowId, error: String(err) })),
    );
  };

  const startItem = (line: BatchLine) => {
    cursor = line.end;
    if (!line.item) {
      state.invalidNext(line.error ?? 'not a batch item');
      return;
    }
    startChild(line.item, state.startNext());
  };

  // Children of this run that have not escalated report only through their result: wait for them first.
  const continueAsNewNow = async (cancelling: boolean): Promise<never> => {
    await CancellationScope.nonCancellable(() => condition(() => startsInFlight === 0 && state.running === 0));
    await condition(allHandlersFinished);
    // Refused items travel as their reasons: their content may be too deep to be written again.
    const carried = refusing
      ? { source: { items: (inline ?? []).map((item, i) => (inlineIssues[i] ? refusedItem(inlineIssues[i]) : item)) } }
      : {};
    return continueAsNew<typeof guardBatch>({ ...input, ...carried, carry: state.carry(cursor, cancelling) });
  };

  // Cancelling denies the items still waiting for a human (their tool has not run) and lets running ones end.
  const cancel = async (): Promise<BatchSummary> =>
    CancellationScope.nonCancellable(async () => {
      state.cancelNotStarted();
      const denied = new Set<number>();
      const undenied = () => state.pendingIndices().filter((i) => !denied.has(i));
      for (;;) {
        if (state.running === 0 && state.pending === 0 && startsInFlight === 0) break;
        const chunk = undenied().slice(0, CANCEL_CHUNK);
        if (chunk.length === 0) {
          await condition(() => (state.running === 0 && state.pending === 0) || undenied().length > 0 || historyFull());
          if (historyFull()) await continueAsNewNow(true);
          continue;
        }
        if (historyFull()) await continueAsNewNow(true);
        for (const i of chunk) denied.add(i);
        await Promise.all(
          chunk.map((index) =>
            getExternalWorkflowHandle(`${batchId}/${index}`)
              .signal(denySignal, { by: 'durable-guard', reason: `batch ${batchId} was cancelled` })
              .catch((err: unknown) => state.finish(index, { status: 'cancelled', reason: failureReason(err) })),
          ),
        );
        // Answers held back by a full history arrive in the next run, which denies what is still pending again.
        const answered = await condition(() => chunk.every((i) => !state.isPending(i)) || historyFull(), '1 minute');
        if (!answered) {
          for (const i of chunk)
            state.finish(i, { status: 'cancelled', reason: 'no answer to the batch cancellation' });
        }
      }
      await condition(allHandlersFinished);
      return state.summary('cancelled');
    });

  try {
    if (input.carry?.cancelling) return await cancel();
    for (;;) {
      if (buffer.length === 0 && !exhausted) await refill();
      if (buffer.length === 0 && exhausted) break;
      await condition(() => state.running < concurrency);
      if (historyFull()) await continueAsNewNow(false);
      if (pageMode) {
        const lines = buffer;
        buffer = [];
        cursor = (lines[lines.length - 1] as BatchLine).end;
        await runPage(lines, { state, batchId, concurrency, startChild });
      } else {
        while (buffer.length > 0 && state.running < concurrency) startItem(buffer.shift() as BatchLine);
      }
    }
    state.sourceExhausted();
    for (;;) {
      await condition(() => (state.running === 0 && state.pending === 0) || historyFull());
      if (state.running === 0 && state.pending === 0) break;
      await continueAsNewNow(false);
    }
    await condition(() => startsInFlight === 0);
    await condition(allHandlersFinished);
    return state.summary('completed');
  } catch (err) {
    if (isCancellation(err)) return cancel();
    if (err instanceof ActivityFailure) {
      throw ApplicationFailure.create({
        type: 'GUARD_BATCH_UNREADABLE' satisfies GuardErrorCode,
        message: `batch ${batchId}: ${failureReason(err)}`,
        nonRetryable: true,
      });
    }
    throw err;
  }
}
