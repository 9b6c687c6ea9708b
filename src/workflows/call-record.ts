/**
 * The call as decided, kept in the decision's memo (patch backtest-memo) so that `policy backtest` can decide it
 * again from its visibility row alone: no history read. Encrypted with the memo by the payload codec.
 */
import type { GuardedCallInput } from './definitions';

/** Memo key of the record. */
export const CALL_RECORD_MEMO_KEY = 'call';

/** A record longer than this many characters of JSON is not kept: the backtest reads that call's history. */
export const CALL_RECORD_LIMIT = 8192;

/** What the memo's `call` holds: the decision's input and the version of the policy that decided it. */
export interface CallRecord {
  tool: string;
  input: Record<string, unknown>;
  context?: GuardedCallInput['context'];
  toolSchema?: Record<string, unknown>;
  policyVersion?: string;
}

/** The record of a decided call, or undefined when its JSON would exceed {@link CALL_RECORD_LIMIT}. */
export function callRecord(call: GuardedCallInput, policyVersion: string | undefined): CallRecord | undefined {
  const record: CallRecord = {
    tool: call.tool,
    input: call.input,
    ...(call.context !== undefined ? { context: call.context } : {}),
    ...(call.toolSchema !== undefined ? { toolSchema: call.toolSchema } : {}),
    ...(policyVersion !== undefined ? { policyVersion } : {}),
  };
  return JSON.stringify(record).length <= CALL_RECORD_LIMIT ? record : undefined;
}

/**
 * The memo fields the decision writes for the record: the record, and null for the record's key and `decidedBy`
 * where the start memo set them (any client can start a call with a memo) and this decision does not, so that
 * what a reader finds under those keys was written by the workflow.
 */
export function recordMemo(record: CallRecord | undefined, startMemo: Record<string, unknown> | undefined) {
  const fields: Record<string, unknown> = {};
  if (record) fields[CALL_RECORD_MEMO_KEY] = record;
  else if (startMemo?.[CALL_RECORD_MEMO_KEY] != null) fields[CALL_RECORD_MEMO_KEY] = null;
  if (startMemo?.decidedBy != null) fields.decidedBy = null;
  return fields;
}
