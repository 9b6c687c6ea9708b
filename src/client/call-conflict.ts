/**
 * Whether an existing execution under a caller-given ID holds the very call (or batch) being submitted: a start
 * with `USE_EXISTING` attaches to whatever runs under the ID, so its decision is only this call's if the
 * fingerprints match.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { callProblem } from '../workflows/call-validation';
import { guardFingerprintKey } from '../workflows/definitions';
import { callFingerprint, type FingerprintedCall } from '../workflows/fingerprint';
import { GuardCallIdConflict } from './errors';

/** Found for an existing call whose recorded input is not a well-formed call. */
const INVALID_CALL = 'invalid-call';

/** The first argument the execution was started with, decoded by the client's own data converter. */
async function startArgument(client: Client, workflowId: string, runId: string): Promise<unknown> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = (history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
  let decoded = payloads;
  const converter = client.workflow.options.loadedDataConverter;
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  const first = decoded[0];
  return first === undefined ? undefined : converter.payloadConverter.fromPayload(first);
}

/**
 * The fingerprint recorded on the execution: the `GuardFingerprint` search attribute (one `describe`), else, for
 * a call started by a plain Temporal client that is still deciding or by a release before fingerprints, the
 * fingerprint of its start input (one more read: the first history event).
 */
async function recordedCallFingerprint(client: Client, handle: WorkflowHandle): Promise<string> {
  const description = await handle.describe();
  const recorded = description.typedSearchAttributes.get(guardFingerprintKey);
  if (recorded !== undefined) return recorded;
  const call = await startArgument(client, handle.workflowId, description.runId);
  return callProblem(call) ? INVALID_CALL : callFingerprint(call as FingerprintedCall);
}

/**
 * Throws {@link GuardCallIdConflict} unless the execution under `handle` was started for the call with
 * fingerprint `expected`.
 */
export async function assertSameCall(client: Client, handle: WorkflowHandle, expected: string): Promise<void> {
  const found = await recordedCallFingerprint(client, handle);
  if (found !== expected) throw new GuardCallIdConflict({ callId: handle.workflowId, expected, found });
}

/**
 * Throws {@link GuardCallIdConflict} (kind `batch`) unless the batch under `handle` was submitted with content
 * fingerprint `expected`. A batch started without one (a plain Temporal client, an earlier release) attaches as
 * before: its content cannot be compared.
 */
export async function assertSameBatch(handle: WorkflowHandle, expected: string): Promise<void> {
  const found = (await handle.describe()).typedSearchAttributes.get(guardFingerprintKey);
  if (found !== undefined && found !== expected) {
    throw new GuardCallIdConflict({ callId: handle.workflowId, expected, found, kind: 'batch' });
  }
}
