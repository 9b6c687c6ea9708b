/**
 * One line of `audit export`: a final decision with its receipt, built from the call's visibility row and history.
 * The shape is documented in docs/approvals.md ("Audit export") and in `durable-guard audit export --help`.
 */
import type { CallHistory } from '../recorded/call-history';
import type { VisibilityRow } from '../recorded/visibility-rows';
import type { ReceiptKeyring } from '../receipts/receipt-keys';
import { verifyReceipt } from '../receipts/sign-receipt';
import type { DecidedBy, GuardResult, RuleHit } from '../workflows/definitions';
import type { Receipt } from '../workflows/receipt';

/** The version of the line shape, first in every line. */
export const AUDIT_RECORD_VERSION = 1;

/** One exported decision. */
export interface AuditRecord {
  auditVersion: typeof AUDIT_RECORD_VERSION;
  /** The guarded call's workflow ID. */
  escalationId: string;
  runId: string;
  tool: string;
  /** `GuardBatchId`, for batch items and calls whose context names a batch. */
  batch?: string;
  /** The final action: allow, modify or block. */
  action: GuardResult['action'];
  decidedBy?: DecidedBy;
  reason?: string;
  rulesTriggered: RuleHit[];
  policyVersion?: string;
  /** ISO-8601 times of the run's start and close (visibility). */
  startTime?: string;
  closeTime?: string;
  /** The input the decision is for: the approved or policy-modified input, else the call's (what the receipt binds). */
  input: Record<string, unknown>;
  /** The signed receipt; null when the worker that decided had no receipt keys. */
  receipt: Receipt | null;
  /**
   * Only when receipt keys are configured where the export runs: whether the receipt's signature verifies and it
   * binds `input`; null for a decision without a receipt.
   */
  receiptValid?: boolean | null;
  /** With `receiptValid: false`: what is wrong. */
  receiptProblems?: string[];
}

function receiptCheck(
  receipt: Receipt | undefined,
  input: Record<string, unknown>,
  keys: ReceiptKeyring | undefined,
): Pick<AuditRecord, 'receiptValid' | 'receiptProblems'> {
  if (!keys) return {};
  if (!receipt) return { receiptValid: null };
  const { problems } = verifyReceipt(keys, receipt, input);
  return problems.length === 0 ? { receiptValid: true } : { receiptValid: false, receiptProblems: problems };
}

/**
 * The exported line of one completed call.
 * @param keys - receipt keys to verify with; without them the line has no `receiptValid`
 * @throws Error naming the workflow when the history holds no guarded call or no result
 */
export function auditRecord(row: VisibilityRow, history: CallHistory, keys?: ReceiptKeyring): AuditRecord {
  const { call, result } = history;
  if (!result || typeof result.action !== 'string') {
    throw new Error(`${row.workflowId}: the completed run has no guard result in its history`);
  }
  const tool = typeof call?.tool === 'string' ? call.tool : row.tool;
  if (tool === undefined) throw new Error(`${row.workflowId}: neither the start input nor GuardTool names a tool`);
  const input = result.modifiedInput ?? (call?.input && typeof call.input === 'object' ? call.input : {});
  const contextBatch = typeof call?.context?.batch === 'string' ? call.context.batch : undefined;
  const batch = row.batch ?? contextBatch;
  return {
    auditVersion: AUDIT_RECORD_VERSION,
    escalationId: row.workflowId,
    runId: row.runId,
    tool,
    ...(batch !== undefined ? { batch } : {}),
    action: result.action,
    ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}),
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    rulesTriggered: result.rulesTriggered ?? [],
    ...(result.policyVersion !== undefined ? { policyVersion: result.policyVersion } : {}),
    ...(row.startTime ? { startTime: row.startTime.toISOString() } : {}),
    ...(row.closeTime ? { closeTime: row.closeTime.toISOString() } : {}),
    input,
    receipt: result.receipt ?? null,
    ...receiptCheck(result.receipt, input, keys),
  };
}
