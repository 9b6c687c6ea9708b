/**
 * Sends an update again when the server lost it without applying it:
 * - the workflow task that carried it failed: Temporal answers FAILED_PRECONDITION "unexpected workflow task
 *   failure" and never applies the update (for instance when an activity's completion or a signal arrived while
 *   the task completing the call was running; the server refuses such a completion and the task runs again);
 * - the update was dropped from the server's registry while the workflow still runs (NOT_FOUND, which the SDK
 *   raises as WorkflowNotFoundError although the workflow exists): seen when a hundred approvers race on one call.
 * In both cases the update was not accepted and its ID is kept, so sending it again is safe: at most once applied,
 * as every update of ours (Temporal deduplicates by update ID, and our validators refuse a second decision).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';

const ATTEMPTS = 5;
const BACKOFF_MS = 100;

/** Whether `err` (or its cause chain) is the server's "the workflow task that carried the update failed". */
export function isUpdateTaskFailure(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (
      isGrpcServiceError(current) &&
      current.code === grpcStatus.FAILED_PRECONDITION &&
      /unexpected workflow task failure/i.test(current.details ?? current.message)
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}

/**
 * Runs `send` (an update with a fixed ID) again, a few times, while its workflow task failed under it, or while it
 * was answered "not found" and `stillRunning` says the workflow does run.
 * @param stillRunning whether the workflow is running now; without it, "not found" is final
 */
export async function retryingTaskFailures<T>(
  send: () => Promise<T>,
  stillRunning?: () => Promise<boolean>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= ATTEMPTS || !(await isLost(err, stillRunning))) throw err;
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * attempt));
    }
  }
}

async function isLost(err: unknown, stillRunning?: () => Promise<boolean>): Promise<boolean> {
  if (isUpdateTaskFailure(err)) return true;
  if (!(err instanceof WorkflowNotFoundError) || !stillRunning) return false;
  return stillRunning().catch(() => false);
}
