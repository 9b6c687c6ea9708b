/** The call a guarded-call workflow was started with, read from its first history event. */
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { GuardedCallInput } from '../workflows/definitions';
import { GUARDED_CALL_TYPE } from './escalation-query';

/** The call as started and when; undefined when the workflow is not a guarded call. Throws as Temporal does. */
export async function startedCall(
  client: Client,
  id: string,
): Promise<{ call: GuardedCallInput; startedAt: string } | undefined> {
  const history = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: id },
    maximumPageSize: 1,
  });
  const first = history.history?.events?.[0];
  const attributes = first?.workflowExecutionStartedEventAttributes;
  if (!first || !attributes || attributes.workflowType?.name !== GUARDED_CALL_TYPE) return undefined;
  const call = await decodeFromPayloadsAtIndex<GuardedCallInput>(
    client.options.loadedDataConverter,
    0,
    attributes.input?.payloads,
  );
  const seconds = Number(first.eventTime?.seconds ?? 0);
  const startedAt = new Date(seconds * 1000 + Math.floor((first.eventTime?.nanos ?? 0) / 1e6)).toISOString();
  return { call, startedAt };
}
