/** Deciding an escalation for an authenticated approver, through the workflow's `decide` update. */
import type { Client } from '@temporalio/client';
import { mayApprove, type Approver } from '../approvals';
import type { GuardClient } from '../client';
import type { GuardResult } from '../workflows/definitions';
import type { ApproverGroupsCache } from './approver-groups';
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
    if (!isResourceExhausted(err)) throw err;
    // Temporal allows 10 updates in flight per workflow; when the SDK's own retries gave up, the status says
    // whether another approver has won meanwhile (409) or the caller should simply retry (429).
    const status = await escalationStatus(deps.client, id).catch(() => undefined);
    if (status?.status === 'timed-out') {
      throw new ApiError('GUARD_TIMED_OUT', guardMessage('GUARD_TIMED_OUT', id, status.expiresAt), { cause: err });
    }
    if (status && status.status !== 'pending-approval') {
      const by = status.result?.decidedBy?.identity;
      throw new ApiError('GUARD_ALREADY_DECIDED', guardMessage('GUARD_ALREADY_DECIDED', id, { by }), { cause: err });
    }
    throw err;
  }
}
