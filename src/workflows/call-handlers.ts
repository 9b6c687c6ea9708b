/** The message handlers of a guarded call: thin wiring of signals, updates and the query to its {@link CallState}. */
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { PolicyDecision } from '../policy/types';
import { decidePolicy, schemaOf } from './call-activities';
import type { CallState, Refusal } from './call-state';
import {
  approveSignal,
  decideUpdate,
  denySignal,
  policyDecisionUpdate,
  statusQuery,
  type ApproveInput,
  type DecideInput,
  type GuardedCallInput,
  type GuardResult,
} from './definitions';
import { guardMessage } from './error-codes';

function reject(refusal: Refusal | undefined): void {
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
}

/** Applies an accepted approval; an edit is re-checked by the policy first, and refused if the policy blocks it. */
async function applyApproval(state: CallState, call: GuardedCallInput, input: DecideInput): Promise<GuardResult> {
  state.approvalInFlight = true;
  try {
    let finalInput = input.modifiedInput;
    if (input.decision === 'approve' && finalInput) {
      const recheck = await decidePolicy(
        { tool: state.tool, input: finalInput, context: call.context, execute: call.execute, ...schemaOf(call) },
        `re-check edited ${state.tool}`,
      );
      if (recheck.action === 'block') {
        reject({ code: 'GUARD_EDIT_REFUSED', message: guardMessage('GUARD_EDIT_REFUSED', recheck.reason) });
      }
      if (recheck.action === 'modify' && recheck.modifiedInput) finalInput = recheck.modifiedInput;
    }
    return state.applyHuman(input, finalInput);
  } finally {
    state.approvalInFlight = false;
  }
}

export function registerCallHandlers(state: CallState, call: GuardedCallInput): void {
  const onSignal = (decision: 'approve' | 'deny') => async (payload: ApproveInput) => {
    try {
      reject(state.approvalRefusal(payload, false));
      // Only the `decide` update speaks for a grant: a signal's grantId is dropped.
      await applyApproval(state, call, { ...payload, decision, grantId: undefined });
    } catch (err) {
      // A signal cannot be refused: a bad or late one is logged and the call keeps waiting.
      log.warn(`ignored ${decision} signal`, { escalationId: state.escalationId, error: (err as Error).message });
    }
  };

  setHandler(statusQuery, () => state.view());
  setHandler(approveSignal, onSignal('approve'));
  setHandler(denySignal, onSignal('deny'));
  setHandler(decideUpdate, (input: DecideInput) => applyApproval(state, call, input), {
    validator: (input: DecideInput) => reject(state.approvalRefusal(input, true)),
    description:
      'Approve or deny a pending escalation: {"decision":"approve"|"deny","by":"name","reason"?,"modifiedInput"?}',
  });
  setHandler(
    policyDecisionUpdate,
    async () => {
      await condition(() => state.decision !== undefined || state.result !== undefined);
      return state.result ?? state.decisionResult(state.decision as PolicyDecision);
    },
    { description: 'Waits until the policy has decided; returns the decision (escalate with its ID)' },
  );
}
