/**
 * What is wrong with a `bulkDecision` start input, checked by the workflow itself (a start through the Temporal
 * CLI or Web UI bypasses the API and the client) and by the client before it starts one. Pure and deterministic.
 */
import { BULK_MAX_IDS, BULK_MAX_WHERE_LENGTH, type BulkFilter } from './bulk-definitions';
import { callIdIssue } from './call-validation';
import { INPUT_LIMITS } from './input-limits';

/** Largest page and updates in flight a bulk decision accepts; pages per run stay far below history limits. */
export const BULK_MAX_PAGE_SIZE = 1000;
export const BULK_MAX_CONCURRENCY = 100;
export const BULK_MAX_PAGES_PER_RUN = 1000;
const NAME_LENGTH = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringIssue(value: unknown, what: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return `${what} must be a non-empty string`;
  if (value.length > max) return `${what} is ${value.length} characters long (at most ${max})`;
  return undefined;
}

function countIssue(value: unknown, what: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    return `${what} must be an integer from 1 to ${max}`;
  }
  return undefined;
}

/** The shape of a filter: IDs (each a valid escalation ID) or narrowing filters, never neither. */
export function bulkFilterShapeProblem(filter: unknown): string | undefined {
  if (!isObject(filter)) return 'filter must be an object';
  const f = filter as BulkFilter;
  const narrowing = (['batch', 'tool', 'rule', 'olderThanMs'] as const).filter((key) => f[key] !== undefined);
  if (f.ids !== undefined) {
    if (!Array.isArray(f.ids) || f.ids.length === 0) return 'filter.ids must be a non-empty array of escalation IDs';
    if (f.ids.length > BULK_MAX_IDS) return `filter.ids has ${f.ids.length} IDs: at most ${BULK_MAX_IDS}`;
    for (const [i, id] of f.ids.entries()) {
      const issue = callIdIssue(id, `filter.ids[${i}]`);
      if (issue) return issue.message;
    }
    if (narrowing.length > 0) {
      return "filter.ids cannot be combined with batch, tool, rule or olderThan (only with 'where')";
    }
  } else if (narrowing.length === 0) {
    return 'the filter selects every pending escalation: give ids, or at least one of batch, tool, rule, olderThan';
  }
  for (const key of ['batch', 'tool', 'rule'] as const) {
    const issue = stringIssue(f[key], `filter.${key}`, NAME_LENGTH);
    if (issue) return issue;
  }
  if (f.olderThanMs !== undefined && !(typeof f.olderThanMs === 'number' && f.olderThanMs >= 0)) {
    return 'filter.olderThanMs must be a number of milliseconds, 0 or more';
  }
  return stringIssue(f.where, 'filter.where', BULK_MAX_WHERE_LENGTH);
}

/** The problem with a whole start input, or undefined (the CEL `where` is compiled by the activity). */
export function bulkInputProblem(input: unknown): string | undefined {
  if (!isObject(input)) return 'the input must be an object';
  if (input.decision !== 'approve' && input.decision !== 'deny') return "decision must be 'approve' or 'deny'";
  const limits = INPUT_LIMITS.approval;
  const reason = stringIssue(input.reason, 'reason', limits.reasonLength);
  if (reason) return reason;
  const approver = input.approver;
  if (!isObject(approver)) return 'approver must be an object {id, groups}';
  const id =
    stringIssue(approver.id, 'approver.id', limits.byLength) ??
    (approver.id === undefined ? 'approver.id is required' : undefined);
  if (id) return id;
  const groups = approver.groups;
  if (!Array.isArray(groups) || groups.length > limits.groups) {
    return `approver.groups must be an array of at most ${limits.groups} group names`;
  }
  for (const [i, group] of groups.entries()) {
    const issue = stringIssue(group, `approver.groups[${i}]`, limits.groupLength);
    if (issue) return issue;
  }
  if (typeof input.taskQueue !== 'string' || input.taskQueue === '') return 'taskQueue must be a non-empty string';
  if (typeof input.requestedAt !== 'string' || Number.isNaN(Date.parse(input.requestedAt))) {
    return 'requestedAt must be an ISO-8601 time';
  }
  return (
    countIssue(input.pageSize, 'pageSize', BULK_MAX_PAGE_SIZE) ??
    countIssue(input.concurrency, 'concurrency', BULK_MAX_CONCURRENCY) ??
    countIssue(input.pagesPerRun, 'pagesPerRun', BULK_MAX_PAGES_PER_RUN) ??
    bulkFilterShapeProblem(input.filter)
  );
}
