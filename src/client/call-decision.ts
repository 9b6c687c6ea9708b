/**
 * A decision-only call in one request: update-with-start sends the `guardedCall` start and the `policyDecision`
 * update together (`ExecuteMultiOperation`), so the caller waits for one round trip instead of a start and then
 * an update. The callId rules of a plain start hold: USE_EXISTING attaches the update to a running execution of
 * the same ID, REJECT_DUPLICATE refuses to start a second after it closed, and a caller's callId is checked
 * against the execution's fingerprint before its decision is returned (the result carries it, so the check
 * costs no request when it matches).
 */
import { isGrpcCancelledError, WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import { ValueError, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { policyDecisionUpdate, type GuardResult } from '../workflows/definitions';
import { assertSameCall } from './call-conflict';
import { guardedCallType, JSON_VALUES_ONLY, type CallStart } from './call-start';
import { GuardInputError } from './errors';
import { isTransportFailure } from './temporal-calls';
import { retryingTaskFailures } from './update-retry';

/** What the client needs besides the start: the final result of an execution that closed. */
export interface DecisionReader {
  result(handle: WorkflowHandle): Promise<GuardResult>;
}

async function isClosed(handle: WorkflowHandle): Promise<boolean> {
  return (await handle.describe()).status.name !== 'RUNNING';
}

/**
 * Starts the call (or attaches to the running one under its ID) and returns the policy's decision.
 * @param updateId fixed across attempts, so that a request sent again is the same update, applied at most once.
 * @throws GuardInputError for a value the payload converter cannot write; GuardCallIdConflict for a callId that
 *   names another call; a transport failure as is (the caller bounds and explains it).
 */
export async function startWithDecision(
  client: Client,
  start: CallStart,
  updateId: string,
  reader: DecisionReader,
): Promise<GuardResult> {
  let failure: unknown;
  let decision: GuardResult | undefined;
  try {
    decision = await retryingTaskFailures(() =>
      client.workflow.executeUpdateWithStart(policyDecisionUpdate, {
        args: [],
        updateId,
        // One operation per request: the SDK refuses to send an operation twice.
        startWorkflowOperation: new WithStartWorkflowOperation(guardedCallType, start.options),
      }),
    );
  } catch (err) {
    if (err instanceof ValueError) {
      throw new GuardInputError(`the call to '${start.tool}' cannot be sent: ${err.message}${JSON_VALUES_ONLY}`, {
        cause: err,
      });
    }
    if (isTransportFailure(err) || isGrpcCancelledError(err)) throw err;
    failure = err;
  }
  const handle = client.workflow.getHandle(start.workflowId);
  // The callId was used before and has closed (REJECT_DUPLICATE), or the decision-only call completed before the
  // update reached it: its result is the answer, never a second run.
  if (failure !== undefined) {
    const closed =
      failure instanceof WorkflowExecutionAlreadyStartedError || (await isClosed(handle).catch(() => false));
    if (!closed) throw failure;
  }
  const result = decision ?? (await reader.result(handle));
  // Only a caller's callId can name an existing execution (the SDK does not say whether the start attached): its
  // decision is returned only if it was made for this very call. The workflow writes the fingerprint of its own
  // input into the result; one that is missing or differs (a refused call, a release before schema fingerprints)
  // is settled by the recorded fingerprint, as for a plain start.
  if (start.callerId && result.fingerprint !== start.fingerprint) {
    await assertSameCall(client, handle, start.fingerprint);
  }
  return result;
}
