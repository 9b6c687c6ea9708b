/**
 * The wait of an escalation with a ladder (patch `escalation-ladder`): one durable timer per step, each with its
 * summary in the Web UI, reminders and routes notifying their channels, an extension moving the end, and at the
 * end the rule's onTimeout (a new window for the escalation group, or the end of the wait). Also the `extend`
 * update's rules.
 */
import { condition, setCurrentDetails } from '@temporalio/workflow';
import type { NotifyChannelInput } from '../activities/create-activities';
import type { ApprovalWindow } from './approval-window';
import type { EscalationNotifications } from './call-notifications';
import type { CallState, Refusal } from './call-state';
import { formatDuration, isPlainObject } from './call-validation';
import type { CallStatus, ExtendInput } from './definitions';
import { guardMessage } from './error-codes';
import { afterHandlers } from './handler-gate';

/** Waits until an approver decides or the last window closes, taking every ladder step on its timer. */
export async function climbLadder(
  state: CallState,
  window: ApprovalWindow,
  notifications: EscalationNotifications,
  eventBase: Omit<NotifyChannelInput['event'], 'type'>,
  /** Wake only once every handler has finished (patch `handlers-before-wake`, handler-gate.ts). */
  gated = false,
): Promise<void> {
  for (;;) {
    const next = window.next();
    const version = window.version;
    const waitMs = next.atMs - Date.now();
    const woken =
      waitMs > 0 &&
      (await condition(
        afterHandlers(() => state.humanResult !== undefined || window.version !== version, gated),
        waitMs,
        { summary: next.summary },
      ));
    if (state.humanResult) return;
    if (woken) continue;
    // An approval accepted before the step but still being re-checked is honoured.
    if (state.approvalInFlight) {
      await condition(afterHandlers(() => !state.approvalInFlight, gated));
      if (state.humanResult) return;
    }
    const now = Date.now();
    const taken = next.kind === 'end' ? window.escalate(now) : window.take(next, now);
    if (!taken) return;
    state.expiresAt = window.expiresAt;
    notifications.send(
      {
        ...eventBase,
        type: taken.step.kind === 'remind' ? 'escalation.reminder' : 'escalation.routed',
        step: window.taken.length,
        expiresAt: window.expiresAt,
        timeLeft: formatDuration(Math.max(0, window.deadlineMs - now)),
        approverGroups: [...window.groups],
      },
      taken.tell,
    );
    setCurrentDetails(state.waitingDetails());
  }
}

/** Why an `extend` is refused (the same checks as a decision, then the window's maxWindow), or undefined. */
export function extendRefusal(state: CallState, payload: unknown): Refusal | undefined {
  const id = state.escalationId;
  const ms = isPlainObject(payload) ? payload.extendByMs : undefined;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms <= 0) {
    const problem = 'extendByMs must be a positive whole number of milliseconds';
    return { code: 'GUARD_INVALID_APPROVAL', message: guardMessage('GUARD_INVALID_APPROVAL', id, problem) };
  }
  const { by, reason, groups } = payload as Partial<ExtendInput>;
  const refusal = state.approvalRefusal({ by, reason, groups, decision: 'approve' }, true);
  if (refusal) return refusal;
  const problem = state.window
    ? state.window.extensionProblem(ms)
    : 'the rule sets no maxWindow, so its window cannot be extended';
  return problem
    ? { code: 'GUARD_EXTEND_REFUSED', message: guardMessage('GUARD_EXTEND_REFUSED', id, problem) }
    : undefined;
}

/** Applies an accepted `extend`; answers with the call's status. */
export function applyExtend(state: CallState, input: ExtendInput, nowMs: number): CallStatus {
  const window = state.window!;
  window.extend(input.extendByMs, input.by, nowMs);
  state.expiresAt = window.expiresAt;
  setCurrentDetails(state.waitingDetails());
  return state.view();
}
