/** A bounded wait for a guarded call's result: Temporal's long poll, cancelled when the HTTP request's time is up. */
import type { Client } from '@temporalio/client';
import type { GuardResult } from '../workflows/definitions';

/**
 * The call's final result if it is known within `waitMs`, else `undefined` (still deciding or waiting for a human).
 * @throws WorkflowNotFoundError when no call has this ID.
 */
export async function resultWithin(client: Client, id: string, waitMs: number): Promise<GuardResult | undefined> {
  const handle = client.workflow.getHandle(id);
  if (waitMs <= 0) {
    const description = await handle.describe();
    return description.status.name === 'RUNNING' ? undefined : ((await handle.result()) as GuardResult);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), waitMs);
  try {
    return (await client.withAbortSignal(controller.signal, () => handle.result())) as GuardResult;
  } catch (err) {
    if (controller.signal.aborted) {
      // The abort may race a not-found answer: tell the two apart with one describe.
      await handle.describe();
      return undefined;
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
