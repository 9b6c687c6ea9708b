/** How a batch item tells its batch that it escalated or finished (only items that escalated report). */
import { CancellationScope, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { batchItemSignal, type BatchItemReport, type GuardedCallInput } from './definitions';

/**
 * Signals the batch by workflow ID, so the report reaches whichever run of the batch is current after
 * continue-as-new. A closed batch (cancelled, terminated) cannot be told; the item goes on regardless.
 */
export async function reportToBatch(call: GuardedCallInput, report: Omit<BatchItemReport, 'index'>): Promise<void> {
  const target = call.batchItem;
  if (!target) return;
  try {
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(target.batchWorkflowId).signal(batchItemSignal, { ...report, index: target.index }),
    );
  } catch (err) {
    log.warn('could not report to the batch', { batch: target.batchWorkflowId, error: (err as Error).message });
  }
}
