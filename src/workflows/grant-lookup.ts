/** The guarded call's side of standing grants: a new escalation asks the live grants to decide it. */
import { proxyActivities } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { GuardActivities } from '../activities/create-activities';
import type { CallState } from './call-state';
import { guardGrantIdKey, type GuardedCallInput, type GuardResult } from './definitions';
import { STANDING_GRANTS_PATCH } from './patches';
import type { UsePatch } from './patches-at-start';

const { matchStandingGrants } = proxyActivities<GuardActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/**
 * Starts the grant match beside the wait (awaited only when a grant decided, so that the match's activity ends before
 * the call does): a matching live grant's decision arrives through the same
 * `decide` update as any approver's, so the wait, the checks and the result are the same. Executions from before
 * grants take no such step.
 */
export function askStandingGrants(
  state: CallState,
  call: GuardedCallInput,
  usePatch: UsePatch,
): Promise<unknown> | undefined {
  if (!usePatch(STANDING_GRANTS_PATCH)) return undefined;
  const rules = (state.decision?.rulesTriggered ?? [])
    .filter((hit) => hit.action === 'escalate' && hit.mode === 'enforce')
    .map((hit) => hit.id);
  if (rules.length === 0) return undefined;
  // A failed match leaves the escalation to its approvers.
  return matchStandingGrants({
    escalationId: state.escalationId,
    tool: state.tool,
    rules,
    context: call.context ?? {},
  }).catch(() => undefined);
}

/** `GuardGrantId` of a call a grant decided, shown with its final status. */
export function grantAttributes(result: GuardResult): SearchAttributeUpdatePair[] {
  const grantId = result.decidedBy?.kind === 'grant' ? result.decidedBy.grantId : undefined;
  return grantId ? [{ key: guardGrantIdKey, value: grantId }] : [];
}
