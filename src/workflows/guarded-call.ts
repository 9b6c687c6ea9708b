import {
  ActivityFailure,
  type ActivityOptions,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type {
  DecideActivityInput,
  DecideOutcome,
  GuardActivities,
  NotifyChannelInput,
} from '../activities/create-activities';
import type { PolicyDecision } from '../policy/types';
import { reportToBatch } from './batch-report';
import { approvalProblem, callProblem, formatDuration } from './call-validation';
import {
  approveSignal,
  decideUpdate,
  DEFAULT_ESCALATION_TIMEOUT_MS,
  denySignal,
  guardActionKey,
  guardBatchIdKey,
  guardFingerprintKey,
  guardRulesKey,
  guardStatusKey,
  guardToolKey,
  policyDecisionUpdate,
  statusQuery,
  type ApproveInput,
  type CallStatus,
  type DecideInput,
  type GuardedCallInput,
  type GuardResult,
  type GuardStatus,
} from './definitions';
import { recordDecisionSpan } from './decision-spans';
import { callFingerprint } from './fingerprint';
import { recordDecisionMetrics, recordEscalationWait } from './metrics';
import { notifyEscalation } from './notify-escalation';
import { HOSTILE_INPUT_PATCH } from './patches';

// Both activities heartbeat while they work: a crashed worker's task is retried after 10 s, not the full timeout.
const decideOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
};
const { decide } = proxyActivities<GuardActivities>(decideOptions);

const { decideLocal } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, maximumInterval: '5 seconds' },
});

/**
 * Static rules decide in a local activity (no extra round trip); network rules (LLM judge, remote guard) in a
 * regular one, shown in the Web UI with `summary`.
 */
/**
 * The call's own tool schema for the decision, only when it has one: calls without one schedule the same activity
 * input as before (no command changes, so no patch).
 */
function schemaOf(call: GuardedCallInput): { toolSchema?: Record<string, unknown> } {
  return call.toolSchema !== undefined ? { toolSchema: call.toolSchema } : {};
}

async function decidePolicy(input: DecideActivityInput, summary: string): Promise<DecideOutcome> {
  const local = await decideLocal(input);
  return 'deferred' in local ? decide.executeWithOptions({ ...decideOptions, summary }, [input]) : local;
}

const toolRetry = { maximumAttempts: 5, maximumInterval: '1 minute' } as const;
const runToolOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: toolRetry,
};
const { runTool } = proxyActivities<GuardActivities>(runToolOptions);
// A tool registered with `local: true`: no heartbeats, so a crashed worker's run is retried once the workflow
// task times out; retries with longer backoff than localRetryThreshold wait on a durable timer.
const { runToolLocal } = proxyLocalActivities<GuardActivities>({ startToCloseTimeout: '1 minute', retry: toolRetry });

/**
 * A problem found only by the structural limits, when this execution takes the limits' path. `patched()` is
 * asked only then: a call within the limits takes the same path as before and records no marker.
 */
function limitProblem(problem: string | undefined): string | undefined {
  return problem !== undefined && patched(HOSTILE_INPUT_PATCH) ? problem : undefined;
}

function signalProblem(payload: unknown): string | undefined {
  return approvalProblem(payload, false, { limits: false }) ?? limitProblem(approvalProblem(payload, false));
}

function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * One guarded tool call: the policy decides; an escalation waits durably for a human (signal `approve`/`deny`
 * or update `decide`) until its timer fires; in execute mode the tool then runs as an activity.
 */
export async function guardedCall(call: GuardedCallInput): Promise<GuardResult> {
  const escalationId = workflowInfo().workflowId;
  let fingerprint: string | undefined;
  const tool = typeof call?.tool === 'string' ? call.tool : '(invalid)';
  let status: GuardStatus = 'deciding';
  let decision: PolicyDecision | undefined;
  let humanResult: GuardResult | undefined;
  let result: GuardResult | undefined;
  let approvalInFlight = false;
  let expiresAt: string | undefined;

  const notifications: Promise<unknown>[] = [];
  // Each delivery is an abandoned child: a failing webhook never blocks, delays or loses the escalation.
  const notify = (event: NotifyChannelInput['event'], channels: string[]) => {
    for (const channel of channels) {
      notifications.push(
        startChild(notifyEscalation, {
          workflowId: `${escalationId}:notify:${event.type}:${channel}`,
          args: [{ channel, event }],
          parentClosePolicy: 'ABANDON',
        }).catch((err: unknown) =>
          log.warn('could not start notification', { channel, error: (err as Error).message }),
        ),
      );
    }
  };

  let visibleAction: string | undefined;
  // One upsert per visible change: a status already shown is not upserted again.
  const setStatus = (next: GuardStatus, action?: string, extra: SearchAttributeUpdatePair[] = []) => {
    if (next === status && (action === undefined || action === visibleAction) && extra.length === 0) return;
    status = next;
    if (action) visibleAction = action;
    upsertSearchAttributes([
      ...extra,
      { key: guardStatusKey, value: next },
      ...(action ? [{ key: guardActionKey, value: action }] : []),
    ]);
  };

  const decisionResult = (d: PolicyDecision): GuardResult => ({
    action: d.action,
    ...(d.modifiedInput ? { modifiedInput: d.modifiedInput } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    rulesTriggered: d.rulesTriggered,
    escalationId,
    policyVersion: d.policyVersion,
    ...(fingerprint ? { fingerprint } : {}),
    ...(d.action === 'escalate' ? {} : { decidedBy: { kind: 'policy' as const, at: new Date().toISOString() } }),
  });

  const notPending = (): [string, string] => {
    if (status === 'deciding')
      return ['GUARD_NOT_PENDING', `call ${escalationId} is still being decided by the policy`];
    if (status === 'timed-out') return ['GUARD_TIMED_OUT', `escalation ${escalationId} timed out at ${expiresAt}`];
    const final = humanResult ?? result;
    if (humanResult) {
      const verb = humanResult.action === 'block' ? 'denied' : 'approved';
      return [
        'GUARD_ALREADY_DECIDED',
        `escalation ${escalationId} was already ${verb} by ${humanResult.decidedBy?.identity}`,
      ];
    }
    if (approvalInFlight)
      return ['GUARD_ALREADY_DECIDED', `escalation ${escalationId} is being decided by another approver`];
    return [
      'GUARD_NOT_ESCALATED',
      `call ${escalationId} was not escalated: the policy decided ${final?.action ?? decision?.action}`,
    ];
  };

  // The update's validator writes nothing to history and is not run on replay: it always checks the limits.
  // A signal is applied in history, so its limit check is a change of a released path.
  const validateApproval = (payload: unknown, needsDecision: boolean) => {
    const problem = needsDecision ? approvalProblem(payload, true) : signalProblem(payload);
    if (problem) reject('GUARD_INVALID_APPROVAL', `invalid approval for ${escalationId}: ${problem}`);
    if (status !== 'pending-approval' || approvalInFlight || humanResult) reject(...notPending());
    const allowed = decision?.escalation?.approverGroups ?? [];
    const { by, groups } = payload as ApproveInput;
    const inGroup = groups?.some((g) => allowed.includes(g)) ?? false;
    // Groups are claims of the sender: a rule with groups refuses a decision that carries none of them. The update's
    // validator writes nothing to history; a signal's refusal changes a released path, so `patched()` is asked only
    // when the released code would have applied it (a decision without groups).
    if (allowed.length > 0 && !inGroup && (groups || needsDecision || patched(HOSTILE_INPUT_PATCH))) {
      reject(
        'GUARD_APPROVER_NOT_ALLOWED',
        `${by} may not decide ${escalationId}: one of the approver groups ${allowed.join(', ')} is required and ` +
          `the decision carries ${groups?.length ? `only ${groups.join(', ')}` : 'no groups'} ` +
          `(send the approver's groups with the decision: "groups": ["${allowed[0]}"], --groups ${allowed[0]} in the ` +
          `CLI, or a webhook channel configured with groups for its links)`,
      );
    }
  };

  const applyApproval = async (input: DecideInput): Promise<GuardResult> => {
    approvalInFlight = true;
    try {
      let finalInput = input.modifiedInput;
      if (input.decision === 'approve' && finalInput) {
        const recheck = await decidePolicy(
          { tool, input: finalInput, context: call.context, execute: call.execute, ...schemaOf(call) },
          `re-check edited ${tool}`,
        );
        if (recheck.action === 'block') {
          reject('GUARD_EDIT_REFUSED', `edited input refused by the policy: ${recheck.reason ?? 'blocked'}`);
        }
        if (recheck.action === 'modify' && recheck.modifiedInput) finalInput = recheck.modifiedInput;
      }
      const base = decision ? decisionResult(decision) : { rulesTriggered: [], escalationId };
      const decidedBy = { kind: 'human' as const, identity: input.by, at: new Date().toISOString() };
      humanResult =
        input.decision === 'deny'
          ? {
              ...base,
              action: 'block',
              modifiedInput: undefined,
              reason: input.reason ?? `denied by ${input.by}`,
              decidedBy,
            }
          : {
              ...base,
              action: finalInput ? 'modify' : 'allow',
              modifiedInput: finalInput,
              reason: input.reason ?? `approved by ${input.by}`,
              decidedBy,
            };
      return humanResult;
    } finally {
      approvalInFlight = false;
    }
  };

  const onSignal = (decisionKind: 'approve' | 'deny') => async (payload: ApproveInput) => {
    try {
      validateApproval(payload, false);
      await applyApproval({ ...payload, decision: decisionKind });
    } catch (err) {
      // A signal cannot be refused: a bad or late one is logged and the call keeps waiting.
      log.warn(`ignored ${decisionKind} signal`, { escalationId, error: (err as Error).message });
    }
  };

  setHandler(statusQuery, (): CallStatus => ({
    status,
    tool,
    decision,
    expiresAt,
    approverGroups: decision?.escalation?.approverGroups,
    result,
  }));
  setHandler(approveSignal, onSignal('approve'));
  setHandler(denySignal, onSignal('deny'));
  setHandler(decideUpdate, applyApproval, {
    validator: (input: DecideInput) => validateApproval(input, true),
    description:
      'Approve or deny a pending escalation: {"decision":"approve"|"deny","by":"name","reason"?,"modifiedInput"?}',
  });
  setHandler(
    policyDecisionUpdate,
    async () => {
      await condition(() => decision !== undefined || result !== undefined);
      return result ?? decisionResult(decision as PolicyDecision);
    },
    { description: 'Waits until the policy has decided; returns the decision (escalate with its ID)' },
  );

  const problem = callProblem(call, { limits: false }) ?? limitProblem(callProblem(call));
  if (problem) {
    result = { action: 'block', reason: `invalid call: ${problem}`, rulesTriggered: [], escalationId };
    setStatus('failed', 'block');
    recordDecisionSpan({ tool, result, startedAt: Date.now(), withAuditHits: false });
    return result;
  }

  // Computing it adds no command (it rides in the decision's upsert), so it needs no patch.
  fingerprint = callFingerprint(call);
  const decideStarted = Date.now();
  const { runToolLocally, ...policyDecision } = await decidePolicy(
    { tool, input: call.input, context: call.context, execute: call.execute, ...schemaOf(call) },
    `policy decision: ${tool}`,
  );
  decision = policyDecision;
  // The tool, batch, rules and the status after the decision in one upsert (the client and the batch set the
  // tool and batch at start already).
  const started = workflowInfo().typedSearchAttributes;
  const batchId = typeof call.context?.batch === 'string' ? call.context.batch : undefined;
  const decided: SearchAttributeUpdatePair[] = [
    ...(started.get(guardToolKey) === tool ? [] : [{ key: guardToolKey, value: tool }]),
    ...(batchId === undefined || started.get(guardBatchIdKey) === batchId
      ? []
      : [{ key: guardBatchIdKey, value: batchId }]),
    { key: guardRulesKey, value: decision.rulesTriggered.map((r) => r.id) },
    // A client of ours sets it at start; a call started by a plain Temporal client gets it here.
    ...(fingerprint === undefined || started.get(guardFingerprintKey) === fingerprint
      ? []
      : [{ key: guardFingerprintKey, value: fingerprint }]),
  ];
  // A local tool runs in this workflow task: its status after the run is the first one shown, in one upsert
  // (the `status` query says running-tool meanwhile).
  let afterTool: SearchAttributeUpdatePair[] = [];
  if (decision.action === 'escalate') setStatus('pending-approval', 'escalate', decided);
  else if (!call.execute || decision.action === 'block') setStatus('done', decision.action, decided);
  else if (!runToolLocally) setStatus('running-tool', decision.action, decided);
  else {
    status = 'running-tool';
    afterTool = decided;
  }
  // A decision without reason or rules has nothing to show: no memo (one event and visibility write less).
  if (decision.reason || decision.rulesTriggered.length > 0) {
    upsertMemo({ reason: decision.reason ?? '', rules: decision.rulesTriggered });
  }
  recordDecisionMetrics(tool, decision);
  recordDecisionSpan({ tool, result: decisionResult(decision), startedAt: decideStarted, withAuditHits: true });

  if (decision.action === 'escalate') {
    const timeoutMs = call.escalationTimeoutMs ?? decision.escalation?.timeoutMs ?? DEFAULT_ESCALATION_TIMEOUT_MS;
    const waitStarted = Date.now();
    expiresAt = new Date(waitStarted + timeoutMs).toISOString();
    const groups = decision.escalation?.approverGroups ?? [];
    setCurrentDetails(
      `**Waiting for approval** of \`${tool}\` until ${expiresAt}\n\n` +
        `Approvers: ${groups.length ? groups.join(', ') : 'anyone'}\n\nReason: ${decision.reason ?? '-'}`,
    );
    const channels = decision.escalation?.channels ?? [];
    const eventBase = {
      escalationId,
      tool,
      reason: decision.reason ?? 'escalated',
      rulesTriggered: decision.rulesTriggered,
    };
    notify({ ...eventBase, type: 'escalation.created', expiresAt }, channels);
    // A batch does not count a waiting item against its concurrency: it learns of the wait from this report,
    // sent in the same workflow task as the notifications' starts.
    await reportToBatch(call, { status: 'pending-approval', tool });
    const decidedInTime = await condition(() => humanResult !== undefined, timeoutMs, {
      summary: `approval window ${formatDuration(timeoutMs)}`,
    });
    // An approval accepted before the deadline but still being re-checked is honoured.
    if (!decidedInTime && approvalInFlight) await condition(() => !approvalInFlight);
    setCurrentDetails('');
    const waitedMs = Date.now() - waitStarted;
    recordEscalationWait(tool, waitedMs, humanResult ? humanResult.action : 'timeout');
    if (humanResult) {
      result = humanResult;
      setStatus(humanResult.action === 'block' ? 'denied' : 'approved', humanResult.action);
    } else {
      result = {
        ...decisionResult(decision),
        action: 'block',
        reason: `escalation timed out after ${formatDuration(timeoutMs)} without a decision`,
        decidedBy: { kind: 'timeout', at: new Date().toISOString() },
      };
      setStatus('timed-out', 'block');
    }
    upsertMemo({ reason: result.reason ?? '', decidedBy: result.decidedBy });
    recordDecisionSpan({ tool, result, startedAt: waitStarted, withAuditHits: false, waitedMs });
    notify(
      {
        ...eventBase,
        type: 'escalation.resolved',
        decision: result.decidedBy?.kind === 'timeout' ? 'timeout' : result.action === 'block' ? 'deny' : 'approve',
        ...(result.decidedBy?.identity ? { decidedBy: result.decidedBy.identity } : {}),
      },
      channels,
    );
  } else {
    result = decisionResult(decision);
  }

  if (call.execute && (result.action === 'allow' || result.action === 'modify')) {
    const toolInput = {
      tool,
      input: result.modifiedInput ?? call.input,
      idempotencyKey: escalationId,
      callId: escalationId,
      context: call.context,
    };
    if (!runToolLocally) setStatus('running-tool', result.action);
    try {
      const toolResult = runToolLocally
        ? await runToolLocal(toolInput)
        : await runTool.executeWithOptions({ ...runToolOptions, summary: `run ${tool}` }, [toolInput]);
      result = { ...result, toolResult };
    } catch (err) {
      setStatus('failed', result.action, afterTool);
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const message = `tool '${tool}' failed: ${(cause as Error)?.message ?? String(cause)}`;
      if (decision.action === 'escalate') await reportToBatch(call, { status: 'failed', tool, reason: message });
      throw ApplicationFailure.create({
        type: 'GUARD_TOOL_FAILED',
        message,
        nonRetryable: true,
        cause: cause as Error,
      });
    }
    setStatus('done', result.action, afterTool);
  }
  // The batch's report and the notifications' starts are awaited together: one workflow task, not two.
  const report =
    decision.action === 'escalate'
      ? reportToBatch(call, { status: 'done', tool, action: result.action, reason: result.reason })
      : undefined;
  await Promise.all([...notifications, report]);
  await condition(allHandlersFinished);
  return result;
}
