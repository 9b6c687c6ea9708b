/**
 * Page mode of `guardBatch`: a page of items is decided in one local activity, the tools of its allowed and
 * modified items run in one heartbeating activity, blocked items are recorded, and only the items the page cannot
 * finish (escalations, tools whose rules need the network, a worker that signs receipts) become `guardedCall`
 * children as in item mode. Each tool keeps the key `<batchId>/<index>` its item's guarded call would use.
 */
import {
  type ActivityOptions,
  CancellationScope,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
} from '@temporalio/workflow';
import type { PageDecision, PageItem } from '../activities/batch-page';
import type { GuardActivities } from '../activities/create-activities';
import type { BatchLine } from '../activities/read-batch-page';
import { itemContext } from './batch-item';
import type { BatchState } from './batch-state';
import type { BatchItem, BatchProgress } from './definitions';
import { recordDecisionSpan } from './decision-spans';
import { guardMessage } from './error-codes';
import { recordDecisionMetrics } from './metrics';

const { decideBatchPage } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, maximumInterval: '5 seconds' },
});

// Heartbeats carry the outcomes so far: a crashed worker's page is retried within 10 s and resumes there.
const toolOptions: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
};
const { runBatchPageTools } = proxyActivities<GuardActivities>(toolOptions);

export interface PageRun {
  state: BatchState;
  batchId: string;
  /** Tools running at once inside the page. */
  concurrency: number;
  /** Starts the item as a `guardedCall` child (item mode's start). */
  startChild: (item: BatchItem, index: number) => void;
}

/** The batch's progress in one line, for the Web UI's current details. */
export function progressLine(p: BatchProgress): string {
  const { allow, modify, block } = p.counts.byAction;
  const s = p.counts.byStatus;
  return (
    `page mode: ${p.done} of ${p.total ?? '?'} items done (allow ${allow}, modify ${modify}, block ${block}, ` +
    `failed ${s.failed}, invalid ${s.invalid}); ${p.counts.escalated} escalated, ${p.pendingEscalations} pending`
  );
}

/**
 * The metrics and span an item decided in its page gets, as its guarded call would have (`guard:blocked:<tool>`,
 * a `guard:would-block:<tool>` child per audit hit), named by the ID its call would have had. Neither is a command:
 * replay records nothing and old histories need no patch.
 */
function recordInPage(
  tool: string,
  escalationId: string,
  d: Exclude<PageDecision, { action: 'child' }>,
  startedAt: number,
): void {
  const rulesTriggered = d.rulesTriggered ?? [];
  recordDecisionMetrics(tool, { action: d.action, rulesTriggered, policyVersion: d.policyVersion ?? '' });
  recordDecisionSpan({
    tool,
    result: {
      action: d.action,
      rulesTriggered,
      escalationId,
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.policyVersion ? { policyVersion: d.policyVersion } : {}),
    },
    startedAt,
    withAuditHits: true,
  });
}

/** Runs one page of lines to the end of its in-page items; its children go on by themselves. */
export async function runPage(lines: BatchLine[], { state, batchId, concurrency, startChild }: PageRun): Promise<void> {
  const items: { index: number; item: BatchItem }[] = [];
  for (const line of lines) {
    if (!line.item) {
      state.invalidNext(line.error ?? 'not a batch item');
      continue;
    }
    const index = state.startNext();
    state.outcomes?.running(index);
    items.push({ index, item: line.item });
  }
  if (items.length === 0) return;
  const page: PageItem[] = items.map(({ index, item }) => ({
    index,
    tool: item.tool,
    input: item.input,
    context: itemContext(item, batchId),
  }));
  // A page once begun is finished: a cancelled batch must not leave items it started without an outcome.
  const decidedAt = Date.now();
  const decisions = await CancellationScope.nonCancellable(() => decideBatchPage({ items: page }));
  const toRun: PageItem[] = [];
  const actions: ('allow' | 'modify')[] = [];
  decisions.forEach((d, i) => {
    const { index, item } = items[i] as { index: number; item: BatchItem };
    if (d.action === 'child') {
      state.outcomes?.running(index, true);
      startChild(item, index);
      return;
    }
    recordInPage(item.tool, `${batchId}/${index}`, d, decidedAt);
    if (d.action === 'block') {
      state.finish(index, { status: 'done', action: 'block', reason: d.reason ?? 'blocked', tool: item.tool });
    } else {
      toRun.push({ ...(page[i] as PageItem), input: d.modifiedInput ?? item.input });
      actions.push(d.action);
    }
  });
  if (toRun.length > 0) {
    const first = (items[0] as { index: number }).index;
    const last = (items[items.length - 1] as { index: number }).index;
    const { outcomes } = await CancellationScope.nonCancellable(() =>
      runBatchPageTools.executeWithOptions(
        { ...toolOptions, summary: `items ${first}-${last}: ${toRun.length} tools` },
        [{ items: toRun, batchId, concurrency }],
      ),
    );
    outcomes.forEach((o, i) => {
      const { index, tool } = toRun[i] as PageItem;
      const action = actions[i] as 'allow' | 'modify';
      state.finish(
        index,
        o.ok
          ? { status: 'done', action, tool }
          : { status: 'failed', reason: guardMessage('GUARD_TOOL_FAILED', tool, o.reason), tool },
      );
    });
  }
  setCurrentDetails(progressLine(state.progress()));
}
