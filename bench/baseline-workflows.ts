/**
 * The bare-Temporal baseline of the batch benchmark, bundled with the guard's workflows: the same batch shape
 * written directly on the SDK, a parent starting one child per item (bounded concurrency, continue-as-new every
 * `perRun` items) and each child running one local activity, the same policy decision a guarded call makes.
 */
import { continueAsNew, executeChild, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { GuardActivities } from '../src/activities/create-activities';
import { batchItem } from '../examples/batches/generate';

export * from '../src/workflows';

const { decideLocal } = proxyLocalActivities<GuardActivities>({ startToCloseTimeout: '10 seconds' });

/** One item: its decision in one local activity. */
export async function baselineItem(index: number): Promise<string> {
  const item = batchItem(index, 0);
  const decision = await decideLocal({ tool: item.tool, input: item.input, context: item.context, execute: true });
  return 'deferred' in decision ? 'deferred' : decision.action;
}

export interface BaselineInput {
  items: number;
  concurrency: number;
  /** Items per run before continuing as new. @default 1500 */
  perRun?: number;
  next?: number;
  counts?: Record<string, number>;
}

/** Items `next` to `next + perRun` as children, `concurrency` at a time, then continue as new. */
export async function baselineBatch(input: BaselineInput): Promise<Record<string, number>> {
  const { items, concurrency, perRun = 1500 } = input;
  const start = input.next ?? 0;
  const end = Math.min(items, start + perRun);
  const counts = { ...(input.counts ?? {}) };
  let next = start;
  const parent = workflowInfo().workflowId;
  const lane = async () => {
    while (next < end) {
      const index = next++;
      const action = await executeChild(baselineItem, { workflowId: `${parent}/${index}`, args: [index] });
      counts[action] = (counts[action] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (end < items) return continueAsNew<typeof baselineBatch>({ ...input, next: end, counts });
  return counts;
}
