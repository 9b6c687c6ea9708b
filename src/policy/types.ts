/** The contract between the policy engine and everything that calls it. Pure types, no imports. */

/** What the guard does with a tool call. */
export type GuardAction = 'allow' | 'block' | 'modify' | 'escalate';

/** One rule that fired. `mode: 'audit'` means it would have acted but let the call through (would-block). */
export interface RuleHit {
  id: string;
  action: GuardAction;
  mode: 'enforce' | 'audit';
  message?: string;
}

/** Who is calling and on whose behalf; available to rule conditions as `context`. */
export interface CallContext {
  agent?: string;
  batch?: string;
  caller?: string;
  /** ISO-8601 time of the call; the engine fills it from `now` when absent. */
  time?: string;
  [key: string]: unknown;
}

/** A tool call as the policy sees it. */
export interface ToolCall {
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
  /**
   * The JSON Schema of the tool as the model was shown it (attached by the provider integrations): the input must
   * validate against it as well as against the policy's `toolSchemas`, or the call is blocked before any rule runs.
   */
  toolSchema?: Record<string, unknown>;
}

/** How an escalation waits, as the rule that escalated says. */
export interface EscalationSettings {
  /** Milliseconds the approval window stays open; the caller's default applies when absent. */
  timeoutMs?: number;
  /** Approver groups allowed to decide; anyone may when absent or empty. */
  approverGroups?: string[];
  /** Notification channel names (webhooks) to tell. */
  channels?: string[];
  /** Reminders and re-routing while the window is open, in the order written. */
  ladder?: LadderStep[];
  /** What the window's end decides; block when absent. */
  onTimeout?: TimeoutOutcome;
  /** The longest an approver may extend the window to, from when it opened; no extension when absent. */
  maxWindowMs?: number;
  /** How many approvers must agree (quorum); one approval decides when absent. */
  approvals?: QuorumSettings;
  /** The longest standing grant allowed for the rule; {@link DEFAULT_MAX_GRANT_MS} when absent. */
  maxGrantMs?: number;
}

/** A rule's quorum, compiled: see docs/policies.md "Quorum". */
export interface QuorumSettings {
  /** Distinct approvers needed (at least one per `allOf` group). */
  count: number;
  /** Groups that each need an approver of their own (one person covers one group). */
  allOf?: string[];
  /** Distinct denials that deny the call. @default 1 (any single deny denies) */
  denyCount?: number;
}

/** One step of an escalation ladder: at a time after the window opened, or at a fraction of it. */
export type LadderStep = ({ afterMs: number } | { fraction: number }) &
  ({ kind: 'remind' } | { kind: 'route'; approverGroups?: string[]; channels?: string[] });

/** What the end of an approval window decides. */
export type TimeoutOutcome =
  | { action: 'block' }
  | { action: 'allow' }
  | { action: 'escalate'; approverGroups: string[]; channels?: string[]; timeoutMs: number };

/** A standing grant's longest life when the rule sets no `maxGrant`: 24 hours. */
export const DEFAULT_MAX_GRANT_MS = 24 * 3_600_000;

/** The policy's answer for one call. */
export interface PolicyDecision {
  action: GuardAction;
  /**
   * Present when action is 'modify': the input the tool should run with. Also present when action is 'escalate'
   * and modify rules fired too: an approval should run this input, not the original.
   */
  modifiedInput?: Record<string, unknown>;
  reason?: string;
  /** Every rule that fired, audit-mode hits included. */
  rulesTriggered: RuleHit[];
  /** Content hash of the policy set that decided. */
  policyVersion: string;
  /** Present when action is 'escalate'. */
  escalation?: EscalationSettings;
}

/** Anything that can decide a call: the compiled policy engine, or a test double built small. */
export interface Decider {
  decide(call: ToolCall, now: Date): PolicyDecision | Promise<PolicyDecision>;
  /**
   * Whether deciding calls to `tool` needs network I/O (LLM judge, remote guard). When false or absent-and-fast,
   * the worker decides in a local activity; when true, in a regular activity with its own retries.
   */
  requiresAsync?(tool: string): boolean;
}
