/** How a batch item tells its batch that it escalated or finished (only items that escalated report). */
import { CancellationScope, getExternalWorkflowHandle, log, proxyLocalActivities } from '@temporalio/workflow';
import type { GuardActivities } from '../activities/create-activities';
import { batchItemSignal, holdReportsAt, type BatchItemReport, type GuardedCallInput } from './definitions';
import { BATCH_REPORT_GATED_PATCH } from './patches';
import type { UsePatch } from './patches-at-start';

// Retried for as long as the batch's history stays full: the batch continues as new as soon as its task runs. Each
// retry waits on a durable timer, not inside the item's workflow task: held reports must not occupy the worker's
// workflow-task slots, or the batch's own task (the one that continues as new) could never run.
const { reportToBatch: deliverReport } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '10 seconds',
  localRetryThreshold: '1 second',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Reports to the batch by workflow ID, so the report reaches whichever run of the batch is current after
 * continue-as-new. A closed batch (cancelled, terminated) cannot be told; the item goes on regardless.
 * @param usePatch the call's {@link UsePatch}: this runs after the policy's local activity
 */
export async function reportToBatch(
  call: GuardedCallInput,
  report: Omit<BatchItemReport, 'index'>,
  usePatch: UsePatch,
): Promise<void> {
  const target = call.batchItem;
  if (!target) return;
  const full: BatchItemReport = { ...report, index: target.index };
  try {
    // Items started before the gate signalled straight from the workflow; they replay that way.
    if (!usePatch(BATCH_REPORT_GATED_PATCH)) {
      await CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(target.batchWorkflowId).signal(batchItemSignal, full),
      );
      return;
    }
    const outcome = await CancellationScope.nonCancellable(() =>
      deliverReport({
        batchWorkflowId: target.batchWorkflowId,
        report: full,
        holdAt: target.holdReportsAt ?? holdReportsAt(),
      }),
    );
    if (!outcome.delivered)
      log.warn('could not report to the batch', { batch: target.batchWorkflowId, why: outcome.why });
  } catch (err) {
    log.warn('could not report to the batch', { batch: target.batchWorkflowId, error: (err as Error).message });
  }
}
