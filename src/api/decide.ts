/** Deciding an escalation for an authenticated approver, through the workflow's `decide` update. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { mayApprove, type Approver } from '../approvals';
import type { GuardClient } from '../client';
import type { GuardResult } from '../workflows/definitions';
import type { ApproverGroupsCache } from './approver-groups';
import type { DecisionLanes } from './decision-lanes';
import { guardMessage } from '../workflows/error-codes';
import { ApiError } from './errors';
import { escalationStatus } from './escalations';
import { grpcCodeOf, isResourceExhausted } from './to-api-error';

const DEADLINE_EXCEEDED = 4;

export interface DecisionRequest {
  decision: 'approve' | 'deny';
  reason?: string;
  modifiedInput?: Record<string, unknown>;
}

/**
 * Refuses, before any update, an approver outside the escalation's approver groups. When the status query times
 * out (a worker busy with a burst), the check is left to the workflow, which enforces the same groups.
 */
export async function assertMayDecide(groups: ApproverGroupsCache, id: string, approver: Approver): Promise<void> {
  let approverGroups: string[];
  try {
    approverGroups = await groups.groupsOf(id);
  } catch (err) {
    if (grpcCodeOf(err) === DEADLINE_EXCEEDED) return;
    throw err;
  }
  if (!mayApprove(approver, approverGroups)) {
    throw new ApiError(
      'GUARD_FORBIDDEN',
      `${approver.id} may not decide ${id}: one of the approver groups ${approverGroups.join(', ')} is required ` +
        `(${approver.id} is in ${approver.groups.length ? approver.groups.join(', ') : 'no group'})`,
    );
  }
}

/**
 * Approves or denies through the `decide` update, so the caller gets the final answer or the workflow's reason.
 * `groups` (the token's, or those a signed link carries) is sent so the workflow checks them against the rule
 * itself: a rule with approver groups refuses a decision that carries none.
 */
export async function decideEscalation(
  deps: { client: Client; guard: GuardClient; lanes: DecisionLanes },
  id: string,
  approver: { id: string; groups?: string[] },
  request: DecisionRequest,
): Promise<GuardResult> {
  return deps.lanes.run(
    id,
    () => sendDecision(deps, id, approver, request),
    (decided) => alreadyDecided(id, decided),
  );
}

/** The refusal of a decision queued behind the one that decided the call. */
function alreadyDecided(id: string, decided: GuardResult): ApiError {
  const by = decided.decidedBy;
  const at = by?.at;
  return new ApiError(
    'GUARD_ALREADY_DECIDED',
    guardMessage('GUARD_ALREADY_DECIDED', id, { by: by?.identity, action: decided.action, ...(at ? { at } : {}) }),
  );
}

async function sendDecision(
  deps: { client: Client; guard: GuardClient },
  id: string,
  approver: { id: string; groups?: string[] },
  request: DecisionRequest,
): Promise<GuardResult> {
  const options = {
    by: approver.id,
    ...(approver.groups ? { groups: approver.groups } : {}),
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    ...(request.modifiedInput !== undefined ? { modifiedInput: request.modifiedInput } : {}),
  };
  try {
    return request.decision === 'approve' ? await deps.guard.approve(id, options) : await deps.guard.deny(id, options);
  } catch (err) {
    // Temporal allows 10 updates in flight per workflow, and under such a burst it may drop an update unapplied
    // and answer NOT_FOUND although the call exists. Either way the status says whether another approver has won
    // meanwhile (409) or the caller should simply retry (429); only a call that is really missing is a 404.
    const dropped = err instanceof WorkflowNotFoundError;
    if (!isResourceExhausted(err) && !dropped) throw err;
    const status = await escalationStatus(deps.client, id).catch((e: unknown) =>
      isMissing(e) ? 'missing' : undefined,
    );
    if (status === 'missing') throw err;
    if (status?.status === 'timed-out') {
      throw new ApiError('GUARD_TIMED_OUT', guardMessage('GUARD_TIMED_OUT', id, status.expiresAt), { cause: err });
    }
    if (status && status.status !== 'pending-approval') {
      const by = status.result?.decidedBy?.identity;
      throw new ApiError('GUARD_ALREADY_DECIDED', guardMessage('GUARD_ALREADY_DECIDED', id, { by }), { cause: err });
    }
    if (dropped) {
      throw new ApiError(
        'GUARD_TOO_MANY_DECISIONS',
        `Temporal dropped this decision on ${id}, busy with others; retry`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'GUARD_ESCALATION_NOT_FOUND';
}
