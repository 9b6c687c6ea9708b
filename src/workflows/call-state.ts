/**
 * The state and rules of one guarded call (pure, no Temporal calls): where it stands, what the policy and the
 * approvers decided, which approvals it accepts and what it shows. The workflow wires messages and timers to it.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { PolicyDecision } from '../policy/types';
import { ApprovalWindow } from './approval-window';
import { approvalProblem, formatDuration } from './call-validation';
import {
  guardActionKey,
  guardStatusKey,
  type ApproveInput,
  type CallStatus,
  type DecideInput,
  type DecidedBy,
  type GuardResult,
  type GuardStatus,
  type ShadowDecision,
} from './definitions';
import { guardMessage, type GuardErrorCode } from './error-codes';
import { HOSTILE_INPUT_PATCH, QUORUM_PATCH } from './patches';
import { needsQuorum } from '../policy/quorum-settings';
import { Quorum, selfApprovalRefusal } from './quorum';

/** A refused approval: the code and message the update's validator (or a signal's log line) carries. */
export interface Refusal {
  code: GuardErrorCode;
  message: string;
}

/** What the state needs from the workflow: `patched()`, and the workflow's clock. */
export interface CallStateOptions {
  patched: (patchId: string) => boolean;
  now?: () => Date;
}

/**
 * A problem found only by the structural limits, when this execution takes the limits' path. `patched()` is asked
 * only then: a call within the limits takes the same path as before and records no marker.
 */
export function limitProblem(problem: string | undefined, patched: (patchId: string) => boolean): string | undefined {
  return problem !== undefined && patched(HOSTILE_INPUT_PATCH) ? problem : undefined;
}

export class CallState {
  status: GuardStatus = 'deciding';
  decision?: PolicyDecision;
  /** The deciding worker's shadow policy's decision, when it has one (recorded, never enforced). */
  shadow?: ShadowDecision;
  /** The approver's decision, once one is applied. */
  humanResult?: GuardResult;
  /** The final result, once known. */
  result?: GuardResult;
  /** The result is final and signed when receipts are on: `policyDecision` may answer with it. */
  resultSettled = false;
  /** An accepted approval is being applied (an edit is being re-checked by the policy). */
  approvalInFlight = false;
  expiresAt?: string;
  fingerprint?: string;
  /** The window of an escalation whose rule has a ladder, onTimeout or maxWindow (patch `escalation-ladder`). */
  window?: ApprovalWindow;
  /** Who asked for the call (`context.caller`, `context.agent`): they never approve it. */
  requesters: string[] = [];
  /** The votes, when the rule needs several approvers (see quorum.ts). */
  quorum?: Quorum;
  private visibleAction?: string;
  private readonly now: () => Date;

  constructor(
    readonly escalationId: string,
    readonly tool: string,
    private readonly options: CallStateOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The tool name of a call whose input may be malformed. */
  static toolOf(call: unknown): string {
    const tool = (call as { tool?: unknown } | undefined)?.tool;
    return typeof tool === 'string' ? tool : '(invalid)';
  }

  private at(): string {
    return this.now().toISOString();
  }

  /**
   * Moves to a status; returns the search attributes to upsert, or undefined when nothing visible changes (a status
   * already shown is not upserted again).
   */
  moveTo(
    next: GuardStatus,
    action?: string,
    extra: SearchAttributeUpdatePair[] = [],
  ): SearchAttributeUpdatePair[] | undefined {
    if (next === this.status && (action === undefined || action === this.visibleAction) && extra.length === 0) {
      return undefined;
    }
    this.status = next;
    if (action) this.visibleAction = action;
    return [
      ...extra,
      { key: guardStatusKey, value: next },
      ...(action ? [{ key: guardActionKey, value: action }] : []),
    ];
  }

  /** The result the policy's decision stands for. */
  decisionResult(d: PolicyDecision): GuardResult {
    return {
      action: d.action,
      ...(d.modifiedInput ? { modifiedInput: d.modifiedInput } : {}),
      ...(d.reason ? { reason: d.reason } : {}),
      rulesTriggered: d.rulesTriggered,
      escalationId: this.escalationId,
      policyVersion: d.policyVersion,
      ...(this.fingerprint ? { fingerprint: this.fingerprint } : {}),
      ...(d.action === 'escalate' ? {} : { decidedBy: { kind: 'policy' as const, at: this.at() } }),
    };
  }

  /** A call refused before the policy saw it. */
  refuse(problem: string): GuardResult {
    this.result = {
      action: 'block',
      reason: `invalid call: ${problem}`,
      rulesTriggered: [],
      escalationId: this.escalationId,
    };
    return this.result;
  }

  get approverGroups(): string[] {
    return this.window?.groups ?? this.decision?.escalation?.approverGroups ?? [];
  }

  get channels(): string[] {
    return this.window?.channels ?? this.decision?.escalation?.channels ?? [];
  }

  /** Opens the window of a rule with a ladder, onTimeout or maxWindow (patch `escalation-ladder`). */
  openLadder(timeoutMs: number): ApprovalWindow {
    this.window = new ApprovalWindow(this.now().getTime(), timeoutMs, this.decision?.escalation ?? {});
    return this.window;
  }

  /** Why the call takes no approval now. */
  notPending(): Refusal {
    const id = this.escalationId;
    if (this.status === 'deciding')
      return { code: 'GUARD_NOT_PENDING', message: guardMessage('GUARD_NOT_PENDING', id) };
    if (this.status === 'timed-out') {
      return { code: 'GUARD_TIMED_OUT', message: guardMessage('GUARD_TIMED_OUT', id, this.expiresAt) };
    }
    const human = this.humanResult;
    if (human) {
      const how = { by: human.decidedBy?.identity, action: human.action };
      return { code: 'GUARD_ALREADY_DECIDED', message: guardMessage('GUARD_ALREADY_DECIDED', id, how) };
    }
    if (this.approvalInFlight) {
      return { code: 'GUARD_ALREADY_DECIDED', message: guardMessage('GUARD_ALREADY_DECIDED', id, 'in-flight') };
    }
    const action = this.result?.action ?? this.decision?.action;
    return { code: 'GUARD_NOT_ESCALATED', message: guardMessage('GUARD_NOT_ESCALATED', id, action) };
  }

  /**
   * Why an approval is refused, or undefined when it is accepted. The update's validator writes nothing to history
   * and is not run on replay: it always checks the limits. A signal is applied in history, so its limit check is a
   * change of a released path.
   */
  approvalRefusal(payload: unknown, needsDecision: boolean): Refusal | undefined {
    const { patched } = this.options;
    const problem = needsDecision
      ? approvalProblem(payload, true)
      : (approvalProblem(payload, false, { limits: false }) ?? limitProblem(approvalProblem(payload, false), patched));
    if (problem) {
      return {
        code: 'GUARD_INVALID_APPROVAL',
        message: guardMessage('GUARD_INVALID_APPROVAL', this.escalationId, problem),
      };
    }
    if (this.status !== 'pending-approval' || this.approvalInFlight || this.humanResult) return this.notPending();
    const allowed = this.approverGroups;
    const { by, groups } = payload as ApproveInput;
    const inGroup = groups?.some((g) => allowed.includes(g)) ?? false;
    // Groups are claims of the sender: a rule with groups refuses a decision that carries none of them. The update's
    // validator writes nothing to history; a signal's refusal changes a released path, so `patched()` is asked only
    // when the released code would have applied it (a decision without groups).
    if (allowed.length > 0 && !inGroup && (groups || needsDecision || patched(HOSTILE_INPUT_PATCH))) {
      return {
        code: 'GUARD_APPROVER_NOT_ALLOWED',
        message:
          `${by} may not decide ${this.escalationId}: one of the approver groups ${allowed.join(', ')} is required ` +
          `and the decision carries ${groups?.length ? `only ${groups.join(', ')}` : 'no groups'} ` +
          `(send the approver's groups with the decision: "groups": ["${allowed[0]}"], --groups ${allowed[0]} in ` +
          `the CLI, or a webhook channel configured with groups for its links)`,
      };
    }
    return undefined;
  }

  /**
   * Why a vote is refused after the approval itself was accepted: the requester approving its own call, an edit or
   * a second vote in a quorum. The validator (`needsDecision`) always checks the requester; a signal's refusal
   * changes a released path, so `patched()` is asked only when it would refuse.
   */
  voteRefusal(input: DecideInput, needsDecision: boolean): Refusal | undefined {
    const self = selfApprovalRefusal(this.escalationId, input, this.requesters);
    if (self && (needsDecision || this.options.patched(QUORUM_PATCH))) return self;
    return this.quorum?.refusal(input);
  }

  /** Applies an accepted approval; `finalInput` is the edited input after the policy's re-check. */
  applyHuman(input: DecideInput, finalInput: Record<string, unknown> | undefined): GuardResult {
    const base = this.decision
      ? this.decisionResult(this.decision)
      : { rulesTriggered: [], escalationId: this.escalationId };
    const decidedBy =
      typeof input.grantId === 'string'
        ? { kind: 'grant' as const, grantId: input.grantId, identity: input.by, at: this.at() }
        : { kind: 'human' as const, identity: input.by, at: this.at() };
    if (this.quorum) return this.applyVote(this.quorum, input, base, decidedBy);
    this.humanResult =
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
    return this.humanResult;
  }

  /**
   * Counts one vote of a quorum: the human result once the quorum approves or denies, else the partial answer the
   * approver gets (action escalate, with the votes so far).
   */
  private applyVote(
    quorum: Quorum,
    input: DecideInput,
    base: Omit<GuardResult, 'action'>,
    decidedBy: DecidedBy,
  ): GuardResult {
    const outcome = quorum.record(input, this.at());
    const approvals = quorum.progress();
    if (outcome === 'pending') {
      const verb = input.decision === 'approve' ? 'approval' : 'denial';
      return { ...base, action: 'escalate', reason: `${verb} by ${input.by} counted: ${quorum.summary()}`, approvals };
    }
    const denied = outcome === 'denied';
    this.humanResult = {
      ...base,
      action: denied ? 'block' : 'allow',
      modifiedInput: undefined,
      decidedBy,
      reason: input.reason ?? (denied ? `denied by ${input.by}` : `approved by ${quorum.approvers()}`),
      approvals,
    };
    return this.humanResult;
  }

  /** Opens the approval window; returns its length. A rule that needs several approvers gets its quorum. */
  openWindow(callTimeoutMs: number | undefined, defaultMs: number): number {
    const approvals = this.decision?.escalation?.approvals;
    if (needsQuorum(approvals) && this.options.patched(QUORUM_PATCH)) {
      this.quorum = new Quorum(this.escalationId, approvals);
    }
    const timeoutMs = callTimeoutMs ?? this.decision?.escalation?.timeoutMs ?? defaultMs;
    this.expiresAt = new Date(this.now().getTime() + timeoutMs).toISOString();
    return timeoutMs;
  }

  /** Markdown for the Web UI while the call waits. */
  waitingDetails(): string {
    const groups = this.approverGroups;
    const next = this.window?.next();
    return (
      `**Waiting for approval** of \`${this.tool}\` until ${this.expiresAt}\n\n` +
      `Approvers: ${groups.length ? groups.join(', ') : 'anyone'}\n\nReason: ${this.decision?.reason ?? '-'}` +
      (next ? `\n\nNext: ${next.summary} (${new Date(next.atMs).toISOString()})` : '') +
      (this.quorum ? `\n\nQuorum: ${this.quorum.summary()}` : '')
    );
  }

  /** Ends the wait: the approver's decision, or a block when the window closed without one. */
  closeWindow(timeoutMs: number): { result: GuardResult; status: GuardStatus } {
    if (this.humanResult) {
      this.result = this.humanResult;
      return { result: this.result, status: this.humanResult.action === 'block' ? 'denied' : 'approved' };
    }
    const decided = this.decisionResult(this.decision as PolicyDecision);
    // A ladder's end may allow, only where the rule says so (`policy check` shows it loudly).
    const end = this.window?.ending(this.now().getTime());
    const allow = end?.action === 'allow';
    this.result = {
      ...decided,
      action: allow ? (decided.modifiedInput ? 'modify' : 'allow') : 'block',
      reason: end?.reason ?? `escalation timed out after ${formatDuration(timeoutMs)} without a decision`,
      decidedBy: { kind: 'timeout', at: this.at() },
      ...(this.quorum ? { approvals: this.quorum.progress() } : {}),
    };
    return { result: this.result, status: 'timed-out' };
  }

  /** How the escalation was resolved, for the `escalation.resolved` notification. */
  resolution(): 'timeout' | 'deny' | 'approve' {
    const result = this.result;
    if (result?.decidedBy?.kind === 'timeout') return 'timeout';
    return result?.action === 'block' ? 'deny' : 'approve';
  }

  /** Answer of the `status` query. */
  view(): CallStatus {
    return {
      status: this.status,
      tool: this.tool,
      decision: this.decision,
      expiresAt: this.expiresAt,
      approverGroups: this.window?.groups ?? this.decision?.escalation?.approverGroups,
      ...(this.quorum ? { approvals: this.quorum.progress() } : {}),
      result: this.result,
      ...(this.window ? { ladder: this.window.status(this.status === 'pending-approval') } : {}),
      ...(this.shadow ? { shadow: this.shadow } : {}),
    };
  }
}
