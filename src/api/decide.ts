/** Deciding an escalation for an authenticated approver, through the workflow's `decide` update. */
import type { Client } from '@temporalio/client';
import { mayApprove, type Approver } from '../approvals';
import type { GuardClient } from '../client';
import type { GuardResult } from '../workflows/definitions';
import { ApiError } from './errors';
import { escalationStatus } from './escalations';
import { isResourceExhausted } from './to-api-error';

export interface DecisionRequest {
  decision: 'approve' | 'deny';
  reason?: string;
  modifiedInput?: Record<string, unknown>;
}

/** Refuses, before any update, an approver outside the escalation's approver groups. */
export async function assertMayDecide(client: Client, id: string, approver: Approver): Promise<void> {
  const status = await escalationStatus(client, id);
  if (!mayApprove(approver, status.approverGroups)) {
    throw new ApiError(
      'GUARD_FORBIDDEN',
      `${approver.id} may not decide ${id}: one of the approver groups ${status.approverGroups?.join(', ')} is required ` +
        `(${approver.id} is in ${approver.groups.length ? approver.groups.join(', ') : 'no group'})`,
    );
  }
}

/**
 * Approves or denies through the `decide` update, so the caller gets the final answer or the workflow's reason.
 * `groups` is sent so the workflow enforces the approver groups itself; a link decision omits it because the
 * groups were checked when the link was minted.
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
    if (status && status.status !== 'pending-approval') {
      const by = status.result?.decidedBy?.identity;
      throw new ApiError('GUARD_ALREADY_DECIDED', `escalation ${id} was already decided${by ? ` by ${by}` : ''}`, {
        cause: err,
      });
    }
    throw err;
  }
}
