/**
 * `policy backtest --shadow`: the recorded disagreement of the workers' shadow policies, from visibility counts
 * alone (no history is read): one `count` per live action and `GuardShadowAction` value.
 */
import type { Client } from '@temporalio/client';
import { quoteVisibility } from '../approvals/escalation-query';
import { recordedCallsQuery, type RecordedFilters } from '../backtest/recorded-query';
import type { GuardAction } from '../policy/types';
import type { ShadowDecision } from '../workflows/definitions';

/** The live policy's actions, in the order of the backtest's matrix. */
export const LIVE_ACTIONS: GuardAction[] = ['allow', 'modify', 'escalate', 'block'];
/** Every value of `GuardShadowAction`. */
export const SHADOW_ACTIONS: ShadowDecision['action'][] = [...LIVE_ACTIONS, 'error'];

/**
 * The statuses of a call the live policy escalated: its `GuardAction` is the human's (or timeout's) final action
 * once decided, so the status tells an escalation apart. An execute call that escalated and then ran its tool
 * (`running-tool`, `done`) counts under its final action.
 */
const ESCALATED_STATUSES = ['pending-approval', 'approved', 'denied', 'timed-out'];

/** The visibility clause of calls the live policy decided with `action`. */
export function liveActionClause(action: GuardAction): string {
  const statuses = ESCALATED_STATUSES.map(quoteVisibility).join(', ');
  return action === 'escalate'
    ? `GuardStatus IN (${statuses})`
    : `GuardAction = ${quoteVisibility(action)} AND GuardStatus NOT IN (${statuses})`;
}

/** One cell of the matrix: its live and shadow action and the query that counts it. */
export interface ShadowCell {
  live: GuardAction;
  shadow: ShadowDecision['action'];
  query: string;
}

/** The count queries of every cell, for the calls matching `filters`. */
export function shadowCellQueries(filters: RecordedFilters, now: Date): ShadowCell[] {
  const base = recordedCallsQuery(filters, now);
  return LIVE_ACTIONS.flatMap((live) =>
    SHADOW_ACTIONS.map((shadow) => ({
      live,
      shadow,
      query: `${base} AND ${liveActionClause(live)} AND GuardShadowAction = ${quoteVisibility(shadow)}`,
    })),
  );
}

/** The recorded shadow disagreement. */
export interface ShadowSummary {
  /** The visibility query of the calls counted (each cell adds its own two clauses). */
  query: string;
  /** Calls with a shadow decision. */
  total: number;
  /** Calls whose shadow action was the live one. */
  agreed: number;
  /** Calls whose shadow action differed (an `error` counts as a disagreement). */
  disagreed: number;
  /** live action -> shadow action -> calls; only non-zero cells. */
  matrix: Partial<Record<GuardAction, Partial<Record<ShadowDecision['action'], number>>>>;
}

/** The summary of counted cells. */
export function summariseShadow(query: string, counted: readonly (ShadowCell & { count: number })[]): ShadowSummary {
  const summary: ShadowSummary = { query, total: 0, agreed: 0, disagreed: 0, matrix: {} };
  for (const { live, shadow, count } of counted) {
    if (count === 0) continue;
    summary.total += count;
    if (live === shadow) summary.agreed += count;
    else summary.disagreed += count;
    (summary.matrix[live] ??= {})[shadow] = count;
  }
  return summary;
}

/** Counts the calls matching a visibility query. */
export type VisibilityCount = (query: string) => Promise<number>;

/** Counts every cell (20 `count` queries) with `count`, which may bound how many run at once. */
export async function countShadowCells(
  count: VisibilityCount,
  filters: RecordedFilters,
  now: Date = new Date(),
): Promise<ShadowSummary> {
  const cells = shadowCellQueries(filters, now);
  const counted = await Promise.all(cells.map(async (cell) => ({ ...cell, count: await count(cell.query) })));
  return summariseShadow(recordedCallsQuery(filters, now), counted);
}

/** Counts every cell at once (20 `count` queries). */
export async function countShadowDecisions(
  client: Client,
  filters: RecordedFilters,
  now: Date = new Date(),
): Promise<ShadowSummary> {
  return countShadowCells(async (query) => (await client.workflow.count(query)).count, filters, now);
}
