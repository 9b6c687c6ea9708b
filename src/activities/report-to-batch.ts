/** Delivers a batch item's report to its batch without letting mass approvals overflow the batch's history. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { batchItemSignal, type BatchItemReport } from '../workflows/definitions';
import type { GuardErrorCode } from '../workflows/error-codes';

export interface ReportToBatchInput {
  batchWorkflowId: string;
  report: BatchItemReport;
  /** An end report waits while the batch's history has this many events (a little over the batch's budget). */
  holdAt: number;
}

/** What became of the report: a closed or vanished batch cannot be told, and the item goes on regardless. */
export type ReportOutcome = { delivered: true } | { delivered: false; why: string };

/**
 * Signals the batch's current run. The end of an escalated item is held back (a retryable failure, so Temporal
 * retries with backoff) while the batch's history is past its budget: thousands of approvals arriving at once then
 * land in the batch's next run instead of piling into one history, however far behind its workflow task is.
 * `pending-approval` reports are never held: the batch waits for them before it can continue as new.
 */
export async function reportToBatch({ batchWorkflowId, report, holdAt }: ReportToBatchInput): Promise<ReportOutcome> {
  const handle = Context.current().client.workflow.getHandle(batchWorkflowId);
  try {
    if (report.status !== 'pending-approval') {
      const { historyLength, status } = await handle.describe();
      if (status.name !== 'RUNNING') return { delivered: false, why: `batch ${batchWorkflowId} is ${status.name}` };
      if (historyLength >= holdAt) {
        throw ApplicationFailure.retryable(
          `batch ${batchWorkflowId} has ${historyLength} history events (reports wait from ${holdAt}): ` +
            'waiting for it to continue as new',
          'GUARD_BATCH_HISTORY_FULL' satisfies GuardErrorCode,
        );
      }
    }
    await handle.signal(batchItemSignal, report);
    return { delivered: true };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { delivered: false, why: `batch ${batchWorkflowId} is closed` };
    throw err;
  }
}
