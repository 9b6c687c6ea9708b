/** Pure checks of what reaches a batch from outside: its start input and its `batchItem` reports (deterministic). */
import { callIdIssue, isPlainObject, type Issue } from './call-validation';
import type { BatchItemReport, GuardBatchInput } from './definitions';
import { INPUT_LIMITS } from './input-limits';

/** Page mode: items decided per page unless the batch says otherwise. */
export const DEFAULT_PAGE_SIZE = 250;
/** Page mode: the most a batch may ask for, so a page's items and decisions stay far below the payload limit. */
export const MAX_PAGE_SIZE = 500;
/** The most items deciding or running at once (more is refused at start). */
export const MAX_BATCH_CONCURRENCY = 500;
/** A run continues as new after this many events at the least (fewer cannot start an item) and at the most. */
export const HISTORY_BUDGET_RANGE = { min: 20, max: 40_000 } as const;
/** The longest reason a report's end keeps; the rest is cut, so the summary stays far below the payload limit. */
export const REPORT_REASON_LENGTH = INPUT_LIMITS.approval.reasonLength * 2;

const REPORT_STATUSES = new Set(['pending-approval', 'done', 'failed']);
const ACTIONS = new Set(['allow', 'modify', 'block']);

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function countIssue(what: string, value: unknown, min: number, max: number): Issue | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return { message: `${what} must be a whole number from ${min} to ${max} (got ${shown(value)})` };
}

/**
 * What is wrong with a batch's start input, or undefined when it can run: the source must be `{items: [...]}` or
 * `{path: '...'}`, the batchId a valid callId, the numbers within their ranges.
 */
export function batchInputIssue(input: unknown): Issue | undefined {
  if (!isPlainObject(input))
    return { message: `the batch input must be an object {source, ...} (got ${shown(input)})` };
  const { source, batchId, concurrency, escalationTimeoutMs, expectedTotal, historyBudget, mode, pageSize } =
    input as Partial<GuardBatchInput>;
  if (mode !== undefined && mode !== 'item' && mode !== 'page') {
    return { message: `mode must be 'item' or 'page' (got ${shown(mode)})` };
  }
  if (!isPlainObject(source)) {
    return { message: `source must be {items: [...]} or {path: '<file>'} (got ${shown(source)})` };
  }
  if ('items' in source) {
    if (!Array.isArray(source.items)) return { message: `source.items must be an array (got ${shown(source.items)})` };
  } else if (typeof (source as { path?: unknown }).path !== 'string' || (source as { path: string }).path === '') {
    return {
      message: `source.path must name the batch file (got ${shown((source as { path?: unknown }).path)}), or give source.items`,
    };
  }
  if (batchId !== undefined) {
    const bad = callIdIssue(batchId, 'batchId');
    if (bad) return bad;
  }
  return (
    countIssue('concurrency', concurrency, 1, MAX_BATCH_CONCURRENCY) ??
    countIssue('historyBudget', historyBudget, HISTORY_BUDGET_RANGE.min, HISTORY_BUDGET_RANGE.max) ??
    countIssue('expectedTotal', expectedTotal, 0, Number.MAX_SAFE_INTEGER) ??
    countIssue('pageSize', pageSize, 1, MAX_PAGE_SIZE) ??
    (escalationTimeoutMs === undefined ||
    (typeof escalationTimeoutMs === 'number' && Number.isFinite(escalationTimeoutMs) && escalationTimeoutMs > 0)
      ? undefined
      : {
          message: `escalationTimeoutMs must be a positive number of milliseconds (got ${shown(escalationTimeoutMs)})`,
        })
  );
}

/**
 * What is wrong with the shape of a `batchItem` report, or undefined when it is well formed. Whether its index
 * is an item of this batch that is waiting for it is the batch's own bookkeeping to say.
 */
export function batchReportIssue(report: unknown): Issue | undefined {
  if (!isPlainObject(report)) return { message: `the report must be an object {index, status} (got ${shown(report)})` };
  const { index, status, action, reason, tool } = report as Partial<BatchItemReport>;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    return { message: `index must be an item's index, a whole number from 0 (got ${shown(index)})` };
  }
  if (typeof status !== 'string' || !REPORT_STATUSES.has(status)) {
    return { message: `status must be 'pending-approval', 'done' or 'failed' (got ${shown(status)})` };
  }
  if (action !== undefined && (typeof action !== 'string' || !ACTIONS.has(action))) {
    return { message: `action must be 'allow', 'modify' or 'block' when given (got ${shown(action)})` };
  }
  if (status === 'done' && action === undefined) return { message: "a 'done' report must give its action" };
  if (reason !== undefined && typeof reason !== 'string') {
    return { message: `reason must be a string when given (got ${shown(reason)})` };
  }
  if (tool !== undefined && (typeof tool !== 'string' || tool.length > INPUT_LIMITS.toolNameLength)) {
    return {
      message: `tool must be a tool name of at most ${INPUT_LIMITS.toolNameLength} characters when given (got ${shown(tool)})`,
      limit: 'toolNameLength',
    };
  }
  return undefined;
}

/** What is wrong with the range of a `batchOutcomes` query, or undefined when it is a valid range. */
export function outcomesRangeIssue(range: unknown): string | undefined {
  if (!isPlainObject(range)) return `the argument must be {offset, limit?} (got ${shown(range)})`;
  const { offset, limit } = range as { offset?: unknown; limit?: unknown };
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    return `offset must be a whole number from 0 (got ${shown(offset)})`;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1))
    return `limit must be a whole number from 1 when given (got ${shown(limit)})`;
  return undefined;
}
