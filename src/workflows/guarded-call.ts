import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { reportToBatch } from './batch-report';
import { decidePolicy, runGuardedTool, schemaOf } from './call-activities';
import { registerCallHandlers } from './call-handlers';
import { EscalationNotifications } from './call-notifications';
import { hasLadder } from './approval-window';
import { callRecord, recordMemo } from './call-record';
import { CallState, limitProblem } from './call-state';
import { callProblem, formatDuration } from './call-validation';
import {
  DEFAULT_ESCALATION_TIMEOUT_MS,
  guardBatchIdKey,
  guardFingerprintKey,
  guardRulesKey,
  guardToolKey,
  type GuardedCallInput,
  type GuardResult,
  type GuardStatus,
} from './definitions';
import { recordDecisionSpan } from './decision-spans';
import { askStandingGrants, grantAttributes } from './grant-lookup';
import { guardMessage, type GuardErrorCode } from './error-codes';
import { callFingerprint } from './fingerprint';
import { afterHandlers } from './handler-gate';
import { climbLadder } from './ladder';
import { ESCALATION_LADDER_PATCH, SCHEMA_FINGERPRINT_PATCH } from './patches';
import { recordDecisionMetrics, recordEscalationWait } from './metrics';
import { requestersOf } from './quorum';
import { assertApprovedInput, attachReceipt } from './call-receipt';
import {
  BACKTEST_MEMO_PATCH,
  HANDLERS_BEFORE_WAKE_PATCH,
  RECEIPT_PATCH,
  SHADOW_DECISION_PATCH,
  UNDELIVERABLE_CHANNELS_PATCH,
} from './patches';
import { recordShadowDecision, shadowAttribute } from './shadow-decision';
import { patchesAtStart, type UsePatch } from './patches-at-start';

function show(state: CallState, next: GuardStatus, action?: string, extra?: SearchAttributeUpdatePair[]): void {
  const pairs = state.moveTo(next, action, extra);
  if (pairs) upsertSearchAttributes(pairs);
}

/** The search attributes the decision adds: tool, batch and fingerprint where the start did not set them, rules. */
function decidedAttributes(state: CallState, call: GuardedCallInput): SearchAttributeUpdatePair[] {
  const started = workflowInfo().typedSearchAttributes;
  const batchId = typeof call.context?.batch === 'string' ? call.context.batch : undefined;
  const { tool, fingerprint } = state;
  return [
    ...(started.get(guardToolKey) === tool ? [] : [{ key: guardToolKey, value: tool }]),
    ...(batchId === undefined || started.get(guardBatchIdKey) === batchId
      ? []
      : [{ key: guardBatchIdKey, value: batchId }]),
    { key: guardRulesKey, value: state.decision?.rulesTriggered.map((r) => r.id) ?? [] },
    // A client of ours sets it at start; a call started by a plain Temporal client gets it here.
    ...(fingerprint === undefined || started.get(guardFingerprintKey) === fingerprint
      ? []
      : [{ key: guardFingerprintKey, value: fingerprint }]),
  ];
}

/**
 * Step 1: the policy decides. Returns whether the tool runs in this workflow task and, then, the attributes that
 * wait to be shown with the status after the run.
 */
async function decideCall(
  state: CallState,
  call: GuardedCallInput,
  notifications: EscalationNotifications,
  usePatch: UsePatch,
): Promise<{ runToolLocally: boolean; signReceipts: boolean; afterTool: SearchAttributeUpdatePair[] }> {
  const { tool } = state;
  // It rides in the decision's upsert and adds no command. Released versions left the caller's tool schema out: the
  // patch is asked only for a call that gives one.
  const withSchema = call.toolSchema !== undefined && usePatch(SCHEMA_FINGERPRINT_PATCH);
  state.fingerprint = callFingerprint(
    withSchema ? call : { tool: call.tool, input: call.input, context: call.context },
  );
  const decideStarted = Date.now();
  const { runToolLocally, signReceipts, shadow, undeliverable, noCallRecord, ...decision } = await decidePolicy(
    { tool, input: call.input, context: call.context, execute: call.execute, ...schemaOf(call) },
    `policy decision: ${tool}`,
  );
  state.decision = decision;
  // Asked after the first await: only a call whose generation at start includes it skips those channels.
  if (undeliverable && usePatch(UNDELIVERABLE_CHANNELS_PATCH, { atStartOnly: true })) notifications.skip(undeliverable);
  // Only a worker with a shadow policy answers one; `patched()` cannot be asked here (after the first await).
  if (shadow && usePatch(SHADOW_DECISION_PATCH, { atStartOnly: true })) state.shadow = shadow;
  // The tool, batch, rules (and the shadow's action) and the status after the decision in one upsert (the client
  // and the batch set the tool and batch at start already).
  const decided = decidedAttributes(state, call);
  if (state.shadow) decided.push(shadowAttribute(state.shadow));
  // A local tool runs in this workflow task: its status after the run is the first one shown, in one upsert
  // (the `status` query says running-tool meanwhile).
  let afterTool: SearchAttributeUpdatePair[] = [];
  if (decision.action === 'escalate') show(state, 'pending-approval', 'escalate', decided);
  else if (!call.execute || decision.action === 'block') show(state, 'done', decision.action, decided);
  else if (!runToolLocally) show(state, 'running-tool', decision.action, decided);
  else {
    state.status = 'running-tool';
    afterTool = decided;
  }
  // The call as decided, for `policy backtest` (call-record.ts); asked after the first await, so at start only.
  const recorded = usePatch(BACKTEST_MEMO_PATCH, { atStartOnly: true });
  const record = recorded && !noCallRecord ? callRecord(call, decision.policyVersion) : undefined;
  const recordFields = recorded ? recordMemo(record, workflowInfo().memo) : {};
  // A decision with nothing to show or record writes no memo (one event and visibility write less); the policy
  // engine gives every decision a reason, so with or without the record its memo is one upsert.
  if (decision.reason || decision.rulesTriggered.length > 0 || state.shadow || Object.keys(recordFields).length > 0) {
    upsertMemo({
      reason: decision.reason ?? '',
      rules: decision.rulesTriggered,
      ...(state.shadow ? { shadow: state.shadow } : {}),
      ...recordFields,
    });
  }
  recordDecisionMetrics(tool, decision);
  if (state.shadow)
    recordShadowDecision(
      tool,
      { action: decision.action, escalationId: state.escalationId },
      state.shadow,
      decideStarted,
    );
  recordDecisionSpan({ tool, result: state.decisionResult(decision), startedAt: decideStarted, withAuditHits: true });
  return { runToolLocally: runToolLocally === true, signReceipts: signReceipts === true, afterTool };
}

/** Step 2 (escalations only): notify, then wait for an approver until the window's durable timer fires. */
async function waitForApproval(
  state: CallState,
  call: GuardedCallInput,
  notifications: EscalationNotifications,
  usePatch: UsePatch,
): Promise<void> {
  const { tool, escalationId } = state;
  const decision = state.decision!;
  const waitStarted = Date.now();
  const timeoutMs = state.openWindow(call.escalationTimeoutMs, DEFAULT_ESCALATION_TIMEOUT_MS);
  // A rule with a ladder, onTimeout or maxWindow waits on several timers; `patched()` is asked only for one.
  const window =
    hasLadder(decision.escalation) && usePatch(ESCALATION_LADDER_PATCH) ? state.openLadder(timeoutMs) : undefined;
  setCurrentDetails(state.waitingDetails());
  const eventBase = {
    escalationId,
    tool,
    reason: decision.reason ?? 'escalated',
    rulesTriggered: decision.rulesTriggered,
  };
  notifications.send({ ...eventBase, type: 'escalation.created', expiresAt: state.expiresAt! }, state.channels);
  const grants = askStandingGrants(state, call, usePatch);
  // A batch does not count a waiting item against its concurrency: it learns of the wait from this report,
  // sent in the same workflow task as the notifications' starts.
  await reportToBatch(call, { status: 'pending-approval', tool }, usePatch);
  await grants.before;
  const gated = usePatch(HANDLERS_BEFORE_WAKE_PATCH, { atStartOnly: true });
  if (window) {
    await climbLadder(state, window, notifications, eventBase, gated);
  } else {
    const decidedInTime = await condition(
      afterHandlers(() => state.humanResult !== undefined, gated),
      timeoutMs,
      { summary: `approval window ${formatDuration(timeoutMs)}` },
    );
    // An approval accepted before the deadline but still being re-checked is honoured.
    if (!decidedInTime && state.approvalInFlight) {
      await condition(afterHandlers(() => !state.approvalInFlight, gated));
    }
  }
  setCurrentDetails('');
  const waitedMs = Date.now() - waitStarted;
  recordEscalationWait(tool, waitedMs, state.humanResult ? state.humanResult.action : 'timeout');
  const { result, status } = state.closeWindow(timeoutMs);
  if (result.decidedBy?.kind === 'grant') await grants.beside;
  show(state, status, result.action, grantAttributes(result));
  upsertMemo({
    reason: result.reason ?? '',
    decidedBy: result.decidedBy,
    ...(result.approvals ? { approvals: result.approvals } : {}),
  });
  recordDecisionSpan({ tool, result, startedAt: waitStarted, withAuditHits: false, waitedMs });
  notifications.send(
    {
      ...eventBase,
      type: 'escalation.resolved',
      decision: state.resolution(),
      ...(result.decidedBy?.identity ? { decidedBy: result.decidedBy.identity } : {}),
    },
    state.channels,
  );
}

/** Step 3 (execute calls that were allowed): run the tool with the call's ID as idempotency key. */
async function runTool(
  state: CallState,
  call: GuardedCallInput,
  runToolLocally: boolean,
  afterTool: SearchAttributeUpdatePair[],
  usePatch: UsePatch,
): Promise<void> {
  const { tool, escalationId } = state;
  const result = state.result as GuardResult;
  const toolInput = {
    tool,
    input: result.modifiedInput ?? call.input,
    idempotencyKey: escalationId,
    callId: escalationId,
    context: call.context,
    // The tool activity checks the input it received against the receipt too.
    ...(result.receipt ? { inputHash: result.receipt.inputHash } : {}),
  };
  try {
    assertApprovedInput(result, tool, toolInput.input);
  } catch (err) {
    show(state, 'failed', result.action, afterTool);
    throw err;
  }
  if (!runToolLocally) show(state, 'running-tool', result.action);
  try {
    state.result = { ...result, toolResult: await runGuardedTool(toolInput, runToolLocally) };
  } catch (err) {
    show(state, 'failed', result.action, afterTool);
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = guardMessage('GUARD_TOOL_FAILED', tool, (cause as Error)?.message ?? String(cause));
    if (state.decision?.action === 'escalate')
      await reportToBatch(call, { status: 'failed', tool, reason: message }, usePatch);
    throw ApplicationFailure.create({
      type: 'GUARD_TOOL_FAILED' satisfies GuardErrorCode,
      message,
      nonRetryable: true,
      cause: cause as Error,
    });
  }
  show(state, 'done', result.action, afterTool);
}

/**
 * One guarded tool call: the policy decides; an escalation waits durably for a human (signal `approve`/`deny`
 * or update `decide`) until its timer fires; in execute mode the tool then runs as an activity.
 */
export async function guardedCall(call: GuardedCallInput): Promise<GuardResult> {
  // Before the first await: see patches-at-start.ts.
  const usePatch = patchesAtStart();
  const state = new CallState(workflowInfo().workflowId, CallState.toolOf(call), { patched: usePatch });
  state.requesters = requestersOf(call.context);
  const notifications = new EscalationNotifications(state.escalationId);
  registerCallHandlers(state, call, usePatch);

  const problem = callProblem(call, { limits: false }) ?? limitProblem(callProblem(call), usePatch);
  if (problem) {
    const result = state.refuse(problem);
    show(state, 'failed', 'block');
    recordDecisionSpan({ tool: state.tool, result, startedAt: Date.now(), withAuditHits: false });
    return result;
  }

  const { runToolLocally, signReceipts, afterTool } = await decideCall(state, call, notifications, usePatch);
  const escalated = state.decision?.action === 'escalate';
  if (escalated) await waitForApproval(state, call, notifications, usePatch);
  else state.result = state.decisionResult(state.decision!);
  if (signReceipts && usePatch(RECEIPT_PATCH)) await attachReceipt(state, call);
  state.resultSettled = true;

  const result = state.result as GuardResult;
  if (call.execute && (result.action === 'allow' || result.action === 'modify')) {
    await runTool(state, call, runToolLocally, afterTool, usePatch);
  }
  const final = state.result as GuardResult;
  // The batch's report and the notifications' starts are awaited together: one workflow task, not two.
  const report = escalated
    ? reportToBatch(call, { status: 'done', tool: state.tool, action: final.action, reason: final.reason }, usePatch)
    : undefined;
  await Promise.all([...notifications.started(), report]);
  await condition(allHandlersFinished);
  return final;
}
