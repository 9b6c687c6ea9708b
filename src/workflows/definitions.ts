/**
 * Message, search-attribute and payload definitions shared by workflows and every client (API, CLI, SDK).
 * Wire names are public API: other teams' scripts signal `approve` and query `status` by name.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallContext, GuardAction, PolicyDecision, RuleHit } from '../policy/types';
import type { Receipt } from './receipt';

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
  kind: 'policy' | 'human' | 'timeout' | 'grant';
  identity?: string;
  /** The standing grant that decided (kind `grant`); `identity` is then the approver who created it. */
  grantId?: string;
  /** ISO-8601 time of the decision. */
  at: string;
}

/** One approver's vote as recorded. */
export interface QuorumVote {
  by: string;
  /** The groups the decision carried (claims for signals, the token's groups through the API). */
  groups: string[];
  /** ISO-8601 time the vote was counted. */
  at: string;
  reason?: string;
}

/** Where a quorum stands: in `status`, the inbox, the Web UI details and memo, and the final result. */
export interface QuorumProgress {
  /** Distinct approvers needed. */
  required: number;
  /** Groups that each need an approver of their own. */
  allOf: string[];
  /** Distinct denials that deny. */
  denyCount: number;
  approvals: QuorumVote[];
  denials: QuorumVote[];
  /** Approvals still needed (at least one per group in `missingGroups`). */
  remaining: number;
  /** `allOf` groups no approver covers yet. */
  missingGroups: string[];
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
  /** SHA-256 of the canonical tool, input and context this result was decided for (`GuardFingerprint`). */
  fingerprint?: string;
  /** The votes of a rule that needs several approvers: partial in a `decide` answer (action escalate), then final. */
  approvals?: QuorumProgress;
  /** The signed receipt of the final decision, when the worker has receipt keys (docs/approvals.md "Receipts"). */
  receipt?: Receipt;
}

/**
 * What a worker's shadow policy (`DURABLE_GUARD_SHADOW_POLICY`) would have decided for a call, recorded beside the
 * live decision without changing it (search attribute `GuardShadowAction`, memo `shadow`, `status`).
 */
export interface ShadowDecision {
  /** The shadow policy's action; `error` when it could not decide (the reason says why). */
  action: GuardAction | 'error';
  /** IDs of the shadow policy's rules that fired, audit-mode hits included. */
  rules: string[];
  /** Content hash of the shadow policy set. */
  policyVersion: string;
  /** The shadow policy's llm-judge and remote rules for this tool: never called, so not part of the decision. */
  skippedRules?: string[];
  reason?: string;
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
  /**
   * The JSON Schema of the tool as the model was shown it (the provider integrations attach it). The worker's
   * policy engine validates the input against it, besides the policy's own `toolSchemas`; a caller's schema can
   * only refuse calls. Limited by `INPUT_LIMITS.toolSchema`; part of the call's fingerprint.
   */
  toolSchema?: Record<string, unknown>;
  /** Set by `guardBatch` on its items: the item reports escalation and its end to the batch by signal. */
  batchItem?: {
    batchWorkflowId: string;
    index: number;
    /** The batch's history length at which reports of an item's end wait for the batch to continue as new. */
    holdReportsAt?: number;
  };
}

/** Payload of the `approve` and `deny` signals. */
export interface ApproveInput {
  by: string;
  reason?: string;
  modifiedInput?: Record<string, unknown>;
  /**
   * Approver groups the sender claims (a claim, not proof): a rule with approver groups refuses a decision that
   * carries none of them.
   */
  groups?: string[];
}

/** What the window does next, and when (epoch milliseconds). */
export interface NextStep {
  kind: 'remind' | 'route' | 'end';
  atMs: number;
  /** The timer's summary in the Web UI. */
  summary: string;
  /** Index of the ladder step (remind/route). */
  index?: number;
}

/** A step the window has taken, as `status` and the receipt list them. */
export interface TakenStep {
  kind: 'remind' | 'route' | 'escalate' | 'extend';
  at: string;
  /** Groups added (route, escalate). */
  approverGroups?: string[];
  /** Channels told. */
  channels?: string[];
  /** Who extended, for `extend`. */
  by?: string;
  /** The window's end after the step. */
  expiresAt: string;
}

/** Payload of the `extend` update: move the end of a pending approval window, up to the rule's maxWindow. */
export interface ExtendInput {
  by: string;
  /** Milliseconds to add to the window. */
  extendByMs: number;
  reason?: string;
  /** Approver groups the sender claims, checked as for a decision. */
  groups?: string[];
}

/** Where an escalation ladder stands: the steps taken and the next one, with its time. */
export interface LadderStatus {
  taken: TakenStep[];
  next?: { kind: NextStep['kind']; at: string; summary: string };
  /** What the window's end decides: block, allow, or escalate (to the groups named). */
  onTimeout: 'block' | 'allow' | 'escalate';
  /** The latest time an extension may move the window's end to; absent when the rule sets no maxWindow. */
  extendableUntil?: string;
}

/** Payload of the `decide` update. */
export interface DecideInput extends ApproveInput {
  decision: 'approve' | 'deny';
  /** Sent by a standing grant's match: the result says `decidedBy: {kind: 'grant', grantId, identity}`. */
  grantId?: string;
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
  /** The votes so far, when the rule needs several approvers. */
  approvals?: QuorumProgress;
  /** The final result once known. */
  result?: GuardResult;
  /** For a rule with a ladder, onTimeout or maxWindow: the steps taken and the next one. */
  ladder?: LadderStatus;
  /** The shadow policy's decision, when the worker that decided runs one. */
  shadow?: ShadowDecision;
}

// Signals are fire-and-forget, for the Temporal CLI / Web UI and systems that need no answer.
export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const denySignal = defineSignal<[ApproveInput]>('deny');
// An update, because an approver needs the final answer or a reason for the rejection.
export const decideUpdate = defineUpdate<GuardResult, [DecideInput]>('decide');
// Returns once the policy has decided: escalate (with the ID) or the final allow/modify/block.
export const policyDecisionUpdate = defineUpdate<GuardResult, []>('policyDecision');
export const statusQuery = defineQuery<CallStatus>('status');
// An update, because the approver needs to know the new end of the window, or why it cannot move.
export const extendUpdate = defineUpdate<CallStatus, [ExtendInput]>('extend');

export const guardToolKey = defineSearchAttributeKey('GuardTool', SearchAttributeType.KEYWORD);
export const guardActionKey = defineSearchAttributeKey('GuardAction', SearchAttributeType.KEYWORD);
export const guardStatusKey = defineSearchAttributeKey('GuardStatus', SearchAttributeType.KEYWORD);
export const guardBatchIdKey = defineSearchAttributeKey('GuardBatchId', SearchAttributeType.KEYWORD);
export const guardRulesKey = defineSearchAttributeKey('GuardRules', SearchAttributeType.KEYWORD_LIST);
/** SHA-256 hex of the canonical call (guardedCall) or batch content (guardBatch): a re-used ID must match it. */
export const guardFingerprintKey = defineSearchAttributeKey('GuardFingerprint', SearchAttributeType.KEYWORD);
/** The standing grant: on a `standingGrant` its ID, on a guarded call the grant that decided it. */
export const guardGrantIdKey = defineSearchAttributeKey('GuardGrantId', SearchAttributeType.KEYWORD);
/** A standing grant's optional scope in canonical text (`batch=b;agent=a;where=...`), `-` for none. */
export const guardGrantScopeKey = defineSearchAttributeKey('GuardGrantScope', SearchAttributeType.KEYWORD);

/** The action of the deciding worker's shadow policy (allow, modify, block, escalate, error); absent without one. */
export const guardShadowActionKey = defineSearchAttributeKey('GuardShadowAction', SearchAttributeType.KEYWORD);

/** Every search attribute of ours, for registration on the dev server and on a real cluster. */
export const GUARD_SEARCH_ATTRIBUTES = [
  guardToolKey,
  guardActionKey,
  guardStatusKey,
  guardBatchIdKey,
  guardRulesKey,
  guardFingerprintKey,
  guardGrantIdKey,
  guardGrantScopeKey,
  guardShadowActionKey,
];

/** One line of a batch file, or one inline batch item. */
export interface BatchItem {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  /** The caller's own ID for the item, kept in the item's context (`context.callId`) for correlation. */
  callId?: string;
  /**
   * Set in place of the content of an item refused before it became a call (over a limit, malformed): the batch
   * counts it `invalid` with this reason. Written by the batch client and by the batch when it continues as new.
   */
  refused?: { message: string; limit?: string };
}

/** Where a batch's items come from: inline (small batches) or a JSON Lines file the worker reads in pages. */
export type BatchSource = { items: BatchItem[] } | { path: string };

/** Where an item of a batch stands. */
export type BatchItemStatus = 'running' | 'pending-approval' | 'done' | 'failed' | 'invalid' | 'cancelled';

/** A blocked, failed or invalid item, with the reason (the summary keeps the first {@link BATCH_MAX_LISTED}). */
export interface BatchProblem {
  index: number;
  /** The item's workflow ID `<batchId>/<index>`; absent for a line that never became a call. */
  itemId?: string;
  tool?: string;
  status: BatchItemStatus;
  reason: string;
}

/** What a batch item reports to its batch (signal `batchItem`): when it escalates and when it finishes. */
export interface BatchItemReport {
  index: number;
  status: 'pending-approval' | 'done' | 'failed';
  /** Final action (done only). */
  action?: GuardAction;
  reason?: string;
  tool?: string;
}

/** Counters carried across continue-as-new. */
export interface BatchCounts {
  /** Final actions of finished items (`escalate` never appears: escalations end as allow, modify or block). */
  byAction: Record<'allow' | 'modify' | 'block', number>;
  /** Items per status, finished and unfinished. */
  byStatus: Record<BatchItemStatus, number>;
  /** Items that escalated (pending now or decided since). */
  escalated: number;
}

/**
 * How a batch runs its items: `item`, each item a `guardedCall` child; `page`, a page of items decided in one local
 * activity and its tools run in one activity, only escalations becoming children (docs/architecture.md "Page mode").
 */
export type BatchMode = 'item' | 'page';

/** The argument of the `guardBatch` workflow. */
export interface GuardBatchInput {
  source: BatchSource;
  /** @default 'item' (a batch started without it runs as released versions did) */
  mode?: BatchMode;
  /** Page mode: items decided per page. @default 250 */
  pageSize?: number;
  /** @default the batch workflow's ID */
  batchId?: string;
  /** Items deciding or running their tool at once; pending escalations do not count. @default 50 */
  concurrency?: number;
  /** Escalation timeout for every item; wins over the rule's. */
  escalationTimeoutMs?: number;
  /** Items in the file, when the submitter counted them (progress shows done/total before the end is read). */
  expectedTotal?: number;
  /** History events after which a run continues as new (tests lower it). @default 6000 */
  historyBudget?: number;
  /** State of the previous run; set by the workflow itself when it continues as new. */
  carry?: BatchCarry;
}

/** What one run of `guardBatch` hands to the next. */
export interface BatchCarry {
  /** Index of the next item to start. */
  nextIndex: number;
  /** Byte offset (file) or array position (inline) of the next item to start. */
  cursor: number;
  /** Known once the source is exhausted. */
  total?: number;
  counts: BatchCounts;
  /** Items waiting for a human, still running as abandoned children of an earlier run. */
  pending: number[];
  problems: BatchProblem[];
  problemsNotListed: number;
  startedAt: string;
  runs: number;
  cancelling?: boolean;
  /** Page mode: one character per item so far (see batch-outcomes.ts), so every item's outcome stays readable. */
  outcomes?: string;
}

/** Answer of the `progress` query, and the core of the batch summary. */
export interface BatchProgress {
  batchId: string;
  state: 'running' | 'cancelling' | 'completed' | 'cancelled';
  /** Items finished (done, failed, invalid or cancelled). */
  done: number;
  /** Items started or read so far until the source is exhausted, then the total. */
  total?: number;
  /** Items deciding or running their tool now. */
  running: number;
  pendingEscalations: number;
  /** IDs of the first pending escalations (approve them by ID). */
  pendingIds: string[];
  counts: BatchCounts;
  startedAt: string;
  /** Runs so far (continue-as-new keeps each run's history small). */
  runs: number;
  /** Present for a batch in page mode: its items' outcomes are read with the `batchOutcomes` query. */
  mode?: 'page';
}

/** The result of `guardBatch`: counts and the first blocked/failed items with reasons. */
export interface BatchSummary extends BatchProgress {
  problems: BatchProblem[];
  /** Problems beyond those listed (read per item: `durable-guard results BATCH`). */
  problemsNotListed: number;
  finishedAt: string;
}

/** Largest number of pending IDs / problems kept in progress and summary. */
export const BATCH_MAX_LISTED = 100;
/** A batch run continues as new past this many history events (well before Temporal's 10,240-event warning). */
export const DEFAULT_BATCH_HISTORY_BUDGET = 6_000;

/**
 * The batch history length at which items hold the reports of their end: a little past the budget, not at it, so
 * that a run idle just under its budget still gets the reports that wake it to continue as new (its last task
 * may have added a few events after it looked).
 */
export function holdReportsAt(historyBudget = DEFAULT_BATCH_HISTORY_BUDGET): number {
  return historyBudget + Math.max(20, Math.ceil(historyBudget / 20));
}

// A signal: the item needs no answer, and it must reach whichever run of the batch is current.
export const batchItemSignal = defineSignal<[BatchItemReport]>('batchItem');
export const progressQuery = defineQuery<BatchProgress>('progress');

/** One item's outcome in a page-mode batch (`batchOutcomes` query). */
export interface BatchItemOutcome {
  index: number;
  /** `<batchId>/<index>`: the item's idempotency key, and the workflow ID of an escalated item. */
  itemId: string;
  status: BatchItemStatus | 'not-started';
  action?: 'allow' | 'modify' | 'block';
  /** The item ran as a `guardedCall` child with ID `itemId` (escalations, tools with network rules). */
  child?: true;
  /** For the problems the summary lists (the first {@link BATCH_MAX_LISTED}). */
  reason?: string;
}

/** Most outcomes one `batchOutcomes` query returns. */
export const BATCH_OUTCOMES_PAGE = 5_000;
// Page mode only: items there are not workflows, so visibility cannot list them.
export const batchOutcomesQuery = defineQuery<BatchItemOutcome[], [{ offset: number; limit?: number }]>(
  'batchOutcomes',
);
