/** Visibility queries for pending escalations, shared by the API, the CLI and the bulk-decision activities. */

/** The workflow type of guarded calls, as visibility names it. */
export const GUARDED_CALL_TYPE = 'guardedCall';

/** Filters of a pending-escalation query; every one given must match. */
export interface PendingQueryFilters {
  taskQueue: string;
  tool?: string;
  batch?: string;
  /** A rule ID among `GuardRules`. */
  rule?: string;
  /** ISO-8601: only escalations started before. */
  startedBefore?: string;
  /** ISO-8601: only escalations started after. */
  startedAfter?: string;
}

/** A quoted visibility string literal. */
export function quoteVisibility(value: string): string {
  // Values are already restricted by the route schemas; escaping keeps the query safe for any other caller.
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for running guarded calls waiting for approval, with the given filters. */
export function pendingEscalationsQuery(filters: PendingQueryFilters): string {
  const clauses = [
    `WorkflowType = ${quoteVisibility(GUARDED_CALL_TYPE)}`,
    `TaskQueue = ${quoteVisibility(filters.taskQueue)}`,
    `ExecutionStatus = 'Running'`,
    `GuardStatus = 'pending-approval'`,
  ];
  if (filters.tool !== undefined) clauses.push(`GuardTool = ${quoteVisibility(filters.tool)}`);
  if (filters.batch !== undefined) clauses.push(`GuardBatchId = ${quoteVisibility(filters.batch)}`);
  if (filters.rule !== undefined) clauses.push(`GuardRules = ${quoteVisibility(filters.rule)}`);
  if (filters.startedBefore !== undefined) clauses.push(`StartTime < ${quoteVisibility(filters.startedBefore)}`);
  if (filters.startedAfter !== undefined) clauses.push(`StartTime > ${quoteVisibility(filters.startedAfter)}`);
  return clauses.join(' AND ');
}
