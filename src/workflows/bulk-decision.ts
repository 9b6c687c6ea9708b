import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GuardActivities } from '../activities/create-activities';
import { HEARTBEATED_ACTIVITY } from './heartbeated-activity';
import { bulkProgressQuery, type BulkDecisionInput, type BulkDecisionProgress } from './bulk-definitions';
import { bulkInputProblem } from './bulk-input';
import { BulkState } from './bulk-state';
import type { GuardErrorCode } from './error-codes';
import { BULK_INPUT_PATCH } from './patches';

const { decideBulkPage } = proxyActivities<GuardActivities>({
  ...HEARTBEATED_ACTIVITY,
  startToCloseTimeout: '10 minutes',
});

const DEFAULT_PAGE_SIZE = 200;
/** Pages per run: a page adds about 6 events, so a run stays far below Temporal's 10,240-event warning. */
const PAGES_PER_RUN = 500;

/**
 * One approve or deny over the pending escalations a filter covers, each decided through its own `decide`
 * update (same checks as a single decision, its own outcome). Pages are listed and decided by an activity that
 * resumes from its heartbeat, and every update carries this workflow's ID as its update ID, so a crash anywhere
 * never decides an escalation twice. Query `progress`.
 */
export async function bulkDecision(input: BulkDecisionInput): Promise<BulkDecisionProgress> {
  const { workflowId } = workflowInfo();
  // Asked only for an input the released version could not run as meant, so a good start records no marker.
  const problem = bulkInputProblem(input);
  if (problem && patched(BULK_INPUT_PATCH)) {
    throw ApplicationFailure.create({
      type: 'GUARD_INVALID_BULK_DECISION' satisfies GuardErrorCode,
      message: `invalid bulkDecision input: ${problem}`,
      nonRetryable: true,
    });
  }
  const state = new BulkState(workflowId, input, new Date().toISOString());
  setHandler(bulkProgressQuery, () => state.progress());
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  // The carry stays out of every page's input: it grows with the problems listed.
  const request = Object.fromEntries(Object.entries(input).filter(([key]) => key !== 'carry')) as Omit<
    BulkDecisionInput,
    'carry'
  >;
  let pagesThisRun = 0;
  setCurrentDetails(state.details());
  while (!state.done) {
    const ids = state.nextIds(pageSize);
    const page = await decideBulkPage({
      bulkId: workflowId,
      request,
      ...(ids ? { ids } : typeof state.cursor === 'string' ? { cursor: state.cursor } : {}),
    });
    state.add(page, ids?.length);
    setCurrentDetails(state.details());
    pagesThisRun++;
    if (
      !state.done &&
      (pagesThisRun >= (input.pagesPerRun ?? PAGES_PER_RUN) || workflowInfo().continueAsNewSuggested)
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof bulkDecision>({ ...input, carry: state.carry() });
    }
  }
  state.finishedAt = new Date().toISOString();
  return state.progress();
}
