/** The visibility query that selects the recorded guarded calls of a backtest. */
import { GUARDED_CALL_TYPE, quoteVisibility } from '../approvals/escalation-query';

/** Which recorded calls to read; every filter given must match. */
export interface RecordedFilters {
  /** Only calls started within this many milliseconds before `now`. */
  sinceMs?: number;
  tool?: string;
  batch?: string;
  /** A visibility query of the user's, ANDed with the rest (e.g. `GuardRules = 'big-refund'`). */
  query?: string;
}

/**
 * The visibility query for guarded calls matching `filters`, newest first.
 * @param now - the time `sinceMs` counts back from
 */
export function recordedCallsQuery(filters: RecordedFilters, now: Date): string {
  const clauses = [`WorkflowType = ${quoteVisibility(GUARDED_CALL_TYPE)}`];
  if (filters.sinceMs !== undefined) {
    clauses.push(`StartTime > ${quoteVisibility(new Date(now.getTime() - filters.sinceMs).toISOString())}`);
  }
  if (filters.tool !== undefined) clauses.push(`GuardTool = ${quoteVisibility(filters.tool)}`);
  if (filters.batch !== undefined) clauses.push(`GuardBatchId = ${quoteVisibility(filters.batch)}`);
  if (filters.query !== undefined && filters.query.trim() !== '') clauses.push(`(${filters.query})`);
  return clauses.join(' AND ');
}
