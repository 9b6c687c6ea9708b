/** The workflow side of receipts: sign the final decision's receipt, and refuse to run an input it did not approve. */
import { ApplicationFailure, upsertMemo } from '@temporalio/workflow';
import { signReceipt } from './call-activities';
import type { CallState } from './call-state';
import type { GuardedCallInput, GuardResult } from './definitions';
import type { GuardErrorCode } from './error-codes';
import { guardMessage } from './error-codes';
import { inputHash, receiptBody } from './receipt';

/** The input a final result runs: the approved (or policy-modified) input, else the call's. */
export function inputToRun(result: GuardResult, call: GuardedCallInput): Record<string, unknown> {
  return result.modifiedInput ?? call.input;
}

/** Signs the receipt of the final result (in a local activity) and keeps it in the result and the memo. */
export async function attachReceipt(state: CallState, call: GuardedCallInput): Promise<void> {
  const result = state.result as GuardResult;
  const steps = (state.window?.taken ?? []).map((step) => ({ ...step }));
  const receipt = await signReceipt(receiptBody(result, state.tool, inputToRun(result, call), steps));
  state.result = { ...result, receipt };
  upsertMemo({ receipt });
}

/** Refuses to run an input that does not hash to the receipt's `inputHash` (when the result has a receipt). */
export function assertApprovedInput(result: GuardResult, tool: string, input: Record<string, unknown>): void {
  const expected = result.receipt?.inputHash;
  if (expected === undefined) return;
  const actual = inputHash(input);
  if (actual === expected) return;
  throw ApplicationFailure.create({
    type: 'GUARD_INPUT_MISMATCH' satisfies GuardErrorCode,
    message: guardMessage('GUARD_INPUT_MISMATCH', tool, expected, actual),
    nonRetryable: true,
  });
}
