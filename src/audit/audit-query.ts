/** The visibility query that selects the decisions `audit export` writes: completed guarded calls. */
import { GUARDED_CALL_TYPE, quoteVisibility } from '../approvals/escalation-query';

/** Which decisions to export; every filter given must match. */
export interface AuditFilters {
  taskQueue: string;
  /** Only calls closed after this time. */
  since?: Date;
  /** Only calls closed at or before this time (fixes the set while newer calls keep closing). */
  until?: Date;
  tool?: string;
  batch?: string;
}

/** The visibility query for completed guarded calls on the task queue matching `filters`. */
export function auditQuery(filters: AuditFilters): string {
  const clauses = [
    `WorkflowType = ${quoteVisibility(GUARDED_CALL_TYPE)}`,
    `TaskQueue = ${quoteVisibility(filters.taskQueue)}`,
    `ExecutionStatus = 'Completed'`,
  ];
  if (filters.since !== undefined) clauses.push(`CloseTime > ${quoteVisibility(filters.since.toISOString())}`);
  if (filters.until !== undefined) clauses.push(`CloseTime <= ${quoteVisibility(filters.until.toISOString())}`);
  if (filters.tool !== undefined) clauses.push(`GuardTool = ${quoteVisibility(filters.tool)}`);
  if (filters.batch !== undefined) clauses.push(`GuardBatchId = ${quoteVisibility(filters.batch)}`);
  return clauses.join(' AND ');
}
