/** The message handlers of a guarded call: thin wiring of signals, updates and the query to its {@link CallState}. */
import { ApplicationFailure, condition, log, setCurrentDetails, setHandler, upsertMemo } from '@temporalio/workflow';
import type { PolicyDecision } from '../policy/types';
import { decidePolicy, schemaOf } from './call-activities';
import type { CallState, Refusal } from './call-state';
import {
  approveSignal,
  decideUpdate,
  denySignal,
  extendUpdate,
  policyDecisionUpdate,
  statusQuery,
  type ApproveInput,
  type DecideInput,
  type ExtendInput,
  type GuardedCallInput,
  type GuardResult,
} from './definitions';
import { guardMessage } from './error-codes';
import { applyExtend, extendRefusal } from './ladder';
import { RECEIPT_ANSWER_PATCH } from './patches';
import type { UsePatch } from './patches-at-start';

function reject(refusal: Refusal | undefined): void {
  if (refusal) throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true });
}

/** Applies an accepted approval; an edit is re-checked by the policy first, and refused if the policy blocks it. */
async function applyApproval(state: CallState, call: GuardedCallInput, input: DecideInput): Promise<GuardResult> {
  // Asked again here: two decisions racing in one workflow task both passed their validators.
  reject(state.quorum?.refusal(input));
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
    const result = state.applyHuman(input, finalInput);
    if (state.quorum && !state.humanResult) showVotes(state);
    return result;
  } finally {
    state.approvalInFlight = false;
  }
}

/** A vote that left the quorum pending: the memo and the Web UI details show the votes so far. */
function showVotes(state: CallState): void {
  upsertMemo({ approvals: state.quorum?.progress() });
  setCurrentDetails(state.waitingDetails());
}

/**
 * A decision the workflow found itself (a standing grant its own lookup found): the `decide` update's checks, then
 * the same approval. Returns whether it was applied.
 */
export async function applyOwnDecision(state: CallState, call: GuardedCallInput, input: DecideInput): Promise<boolean> {
  if (state.approvalRefusal(input, true) ?? state.voteRefusal(input, true)) return false;
  await applyApproval(state, call, input);
  return true;
}

/** @param usePatch the call's patches asked at start (patches-at-start.ts) */
export function registerCallHandlers(state: CallState, call: GuardedCallInput, usePatch: UsePatch): void {
  // Asked here, at start: a policy decision is answered with its receipt, once signed.
  const answerSettled = usePatch(RECEIPT_ANSWER_PATCH);
  const onSignal = (decision: 'approve' | 'deny') => async (payload: ApproveInput) => {
    try {
      reject(state.approvalRefusal(payload, false) ?? state.voteRefusal({ ...payload, decision }, false));
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
    validator: (input: DecideInput) => reject(state.approvalRefusal(input, true) ?? state.voteRefusal(input, true)),
    description:
      'Approve or deny a pending escalation: {"decision":"approve"|"deny","by":"name","reason"?,"modifiedInput"?}',
  });
  setHandler(extendUpdate, (input: ExtendInput) => applyExtend(state, input, Date.now()), {
    validator: (input: ExtendInput) => reject(extendRefusal(state, input)),
    description:
      'Extend a pending approval window up to the rule\'s maxWindow: {"by":"name","extendByMs":86400000,"groups"?}',
  });
  setHandler(
    policyDecisionUpdate,
    async () => {
      await condition(() => state.decision !== undefined || state.result !== undefined);
      if (answerSettled && state.decision && state.decision.action !== 'escalate') {
        await condition(() => state.resultSettled);
      }
      return state.result ?? state.decisionResult(state.decision as PolicyDecision);
    },
    { description: 'Waits until the policy has decided; returns the decision (escalate with its ID)' },
  );
}
