/**
 * Definitions of the `bulkDecision` workflow, shared by the workflow, its activities, the API and the CLI: one
 * approve or deny over a filter of pending escalations, each decided through its own `decide` update.
 */
import { defineQuery } from '@temporalio/workflow';

/** Which pending escalations a bulk decision covers: explicit IDs, or filters (all given must match). */
export interface BulkFilter {
  /** Exactly these escalations (at most {@link BULK_MAX_IDS}); the other filters then narrow them further. */
  ids?: string[];
  /** `GuardBatchId`. */
  batch?: string;
  /** `GuardTool`. */
  tool?: string;
  /** A rule ID among the call's `GuardRules`. */
  rule?: string;
  /** Only escalations started more than this long before the request. */
  olderThanMs?: number;
  /** A CEL condition over `tool`, `input` and `context` (`input.amount <= 5000`). */
  where?: string;
}

/** Who decides: identity and groups from the API token (or, in the CLI, the claims of whoever may start it). */
export interface BulkApprover {
  id: string;
  groups: string[];
}

/** What happened to one escalation in a bulk decision. */
export type BulkOutcome = 'decided' | 'already-decided' | 'timed-out' | 'not-allowed' | 'not-matched' | 'failed';

export const BULK_OUTCOMES: readonly BulkOutcome[] = [
  'decided',
  'already-decided',
  'timed-out',
  'not-allowed',
  'not-matched',
  'failed',
];

/** One escalation's outcome, as listed in progress for every outcome but `decided`. */
export interface BulkItemOutcome {
  id: string;
  outcome: BulkOutcome;
  message?: string;
}

export type BulkCounts = Record<BulkOutcome, number>;

/** The argument of the `bulkDecision` workflow. */
export interface BulkDecisionInput {
  decision: 'approve' | 'deny';
  reason?: string;
  filter: BulkFilter;
  approver: BulkApprover;
  /** Task queue of the guarded calls decided. */
  taskQueue: string;
  /** ISO-8601 time of the request: `olderThanMs` and the snapshot of pending escalations are relative to it. */
  requestedAt: string;
  /** Escalations listed and decided per activity. @default 200 */
  pageSize?: number;
  /** Updates in flight at once. @default 64 */
  concurrency?: number;
  /** Pages after which a run continues as new (tests lower it). @default 500 */
  pagesPerRun?: number;
  /** State of the previous run; set by the workflow itself when it continues as new. */
  carry?: BulkCarry;
}

/** What one run hands to the next. */
export interface BulkCarry {
  /** Visibility page token (base64) of the next page, or the index of the next ID. */
  cursor?: string | number;
  counts: BulkCounts;
  problems: BulkItemOutcome[];
  pages: number;
  runs: number;
  startedAt: string;
}

/** Answer of the `progress` query, and the core of the result. */
export interface BulkDecisionProgress {
  id: string;
  state: 'running' | 'completed';
  decision: 'approve' | 'deny';
  filter: BulkFilter;
  approver: string;
  /** Escalations looked at so far (every outcome). */
  seen: number;
  counts: BulkCounts;
  /** The first {@link BULK_MAX_LISTED} escalations not decided, with the reason. */
  problems: BulkItemOutcome[];
  pages: number;
  runs: number;
  startedAt: string;
  finishedAt?: string;
}

/** Largest number of explicit IDs in one bulk decision (larger sets go by batch, tool, rule or age). */
export const BULK_MAX_IDS = 1000;
/** The longest CEL `where` condition accepted. */
export const BULK_MAX_WHERE_LENGTH = 2000;
/** Problems kept in progress and result. */
export const BULK_MAX_LISTED = 100;

/** The reason written into each escalation a bulk decision decides: names the bulk decision. */
export function bulkReason(bulkId: string, decision: 'approve' | 'deny', reason?: string): string {
  const mark = `(bulk decision ${bulkId})`;
  return reason ? `${reason} ${mark}` : `${decision === 'approve' ? 'approved' : 'denied'} in bulk ${mark}`;
}

export function emptyBulkCounts(): BulkCounts {
  return { decided: 0, 'already-decided': 0, 'timed-out': 0, 'not-allowed': 0, 'not-matched': 0, failed: 0 };
}

// The same wire name as the batch's: anything long-running answers `progress`.
export const bulkProgressQuery = defineQuery<BulkDecisionProgress>('progress');
