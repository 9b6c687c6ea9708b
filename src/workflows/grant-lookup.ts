/** The guarded call's side of standing grants: a new escalation asks the live grants to decide it. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { GuardActivities } from '../activities/create-activities';
import { applyOwnDecision } from './call-handlers';
import type { CallState } from './call-state';
import { guardGrantIdKey, type GuardedCallInput, type GuardResult } from './definitions';
import { grantReason } from './grant-definitions';
import { GRANT_LOOKUP_LOCAL_PATCH, STANDING_GRANTS_PATCH } from './patches';
import type { UsePatch } from './patches-at-start';

const { matchStandingGrants } = proxyActivities<GuardActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

// A local activity: its result is recorded by the escalating workflow task itself, so no completion event can arrive
// under a later task (one that carries an approver's `decide` and completes the call).
const { findStandingGrant } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});

/** The grant lookup of an escalation: awaited `before` the wait, or (executions from before) running `beside` it. */
export interface GrantAsk {
  before?: Promise<void>;
  beside?: Promise<unknown>;
}

/**
 * Asks the live grants of the call's tool and enforced escalating rules to decide it. Now a local activity finds the
 * grant and the workflow decides in the same workflow task, before it waits, with the `decide` update's checks.
 * Executions from before that (patch `grant-lookup-local`) started the activity `matchStandingGrants` beside the
 * wait, which decided through the `decide` update; executions from before grants take no such step.
 */
export function askStandingGrants(state: CallState, call: GuardedCallInput, usePatch: UsePatch): GrantAsk {
  if (!usePatch(STANDING_GRANTS_PATCH)) return {};
  const rules = (state.decision?.rulesTriggered ?? [])
    .filter((hit) => hit.action === 'escalate' && hit.mode === 'enforce')
    .map((hit) => hit.id);
  if (rules.length === 0) return {};
  if (usePatch(GRANT_LOOKUP_LOCAL_PATCH)) return { before: decideByGrant(state, call, rules) };
  // A failed match leaves the escalation to its approvers.
  const beside = matchStandingGrants({
    escalationId: state.escalationId,
    tool: state.tool,
    rules,
    context: call.context ?? {},
  }).catch(() => undefined);
  return { beside };
}

async function decideByGrant(state: CallState, call: GuardedCallInput, rules: string[]): Promise<void> {
  try {
    const { grant } = await findStandingGrant({
      tool: state.tool,
      rules,
      input: call.input,
      context: call.context ?? {},
    });
    if (!grant || state.humanResult !== undefined) return;
    await applyOwnDecision(state, call, {
      decision: 'approve',
      by: grant.approver,
      groups: grant.approverGroups,
      reason: grantReason(grant.grantId, grant.reason),
      grantId: grant.grantId,
    });
  } catch {
    // A failed lookup (or a decision the checks refuse) leaves the escalation to its approvers.
  }
}

/** `GuardGrantId` of a call a grant decided, shown with its final status. */
export function grantAttributes(result: GuardResult): SearchAttributeUpdatePair[] {
  const grantId = result.decidedBy?.kind === 'grant' ? result.decidedBy.grantId : undefined;
  return grantId ? [{ key: guardGrantIdKey, value: grantId }] : [];
}
