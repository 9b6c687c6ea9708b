/**
 * Message, search-attribute and payload definitions shared by workflows and every client (API, CLI, SDK).
 * Wire names are public API: other teams' scripts signal `approve` and query `status` by name.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallContext, GuardAction, PolicyDecision, RuleHit } from '../policy/types';

export type { CallContext, GuardAction, RuleHit } from '../policy/types';

/** The default task queue of workers and clients. */
export const DEFAULT_TASK_QUEUE = 'durable-guard';

/** Escalation timeout for synchronous waits when neither the caller nor the rule sets one (the seed's 300 s). */
export const DEFAULT_ESCALATION_TIMEOUT_MS = 300_000;

/** Where a guarded call stands; also the `GuardStatus` search attribute. */
export type GuardStatus =
  'deciding' | 'pending-approval' | 'approved' | 'denied' | 'timed-out' | 'running-tool' | 'done' | 'failed';

/** Who made the final decision. */
export interface DecidedBy {
  kind: 'policy' | 'human' | 'timeout';
  identity?: string;
  /** ISO-8601 time of the decision. */
  at: string;
}

/** The outcome of one guarded call: the workflow result, also readable by query while running. */
export interface GuardResult {
  /** 'escalate' only from a fire-and-forget call. */
  action: GuardAction;
  modifiedInput?: Record<string, unknown>;
  reason?: string;
  /** Every rule that fired, audit-mode hits (would-block) included. */
  rulesTriggered: RuleHit[];
  /** The guarded call's workflow ID. */
  escalationId?: string;
  decidedBy?: DecidedBy;
  policyVersion?: string;
  /** What the tool returned, for calls that asked the workflow to run it. */
  toolResult?: unknown;
}

/** The argument of the `guardedCall` workflow. */
export interface GuardedCallInput {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  /** Run the tool as an activity after allow/modify (batch jobs); otherwise the caller runs it. */
  execute?: boolean;
  /** Caller's escalation timeout; wins over the rule's, which wins over the default. */
  escalationTimeoutMs?: number;
}

/** Payload of the `approve` and `deny` signals. */
export interface ApproveInput {
  by: string;
  reason?: string;
  modifiedInput?: Record<string, unknown>;
  /** Approver groups the sender vouches for; checked against the rule's approver groups when given. */
  groups?: string[];
}

/** Payload of the `decide` update. */
export interface DecideInput extends ApproveInput {
  decision: 'approve' | 'deny';
}

/** Answer of the `status` query. */
export interface CallStatus {
  status: GuardStatus;
  tool: string;
  /** The policy's decision once known. */
  decision?: PolicyDecision;
  /** ISO-8601 expiry of the approval window while pending. */
  expiresAt?: string;
  approverGroups?: string[];
  /** The final result once known. */
  result?: GuardResult;
}

// Signals are fire-and-forget, for the Temporal CLI / Web UI and systems that need no answer.
export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const denySignal = defineSignal<[ApproveInput]>('deny');
// An update, because an approver needs the final answer or a reason for the rejection.
export const decideUpdate = defineUpdate<GuardResult, [DecideInput]>('decide');
// Returns once the policy has decided: escalate (with the ID) or the final allow/modify/block.
export const policyDecisionUpdate = defineUpdate<GuardResult, []>('policyDecision');
export const statusQuery = defineQuery<CallStatus>('status');

export const guardToolKey = defineSearchAttributeKey('GuardTool', SearchAttributeType.KEYWORD);
export const guardActionKey = defineSearchAttributeKey('GuardAction', SearchAttributeType.KEYWORD);
export const guardStatusKey = defineSearchAttributeKey('GuardStatus', SearchAttributeType.KEYWORD);
export const guardBatchIdKey = defineSearchAttributeKey('GuardBatchId', SearchAttributeType.KEYWORD);
export const guardRulesKey = defineSearchAttributeKey('GuardRules', SearchAttributeType.KEYWORD_LIST);

/** Every search attribute of ours, for registration on the dev server and on a real cluster. */
export const GUARD_SEARCH_ATTRIBUTES = [guardToolKey, guardActionKey, guardStatusKey, guardBatchIdKey, guardRulesKey];
