/**
 * Sends an update again when the workflow task that carried it failed. Temporal then answers the update with
 * FAILED_PRECONDITION "unexpected workflow task failure" and never applies it: for instance when an activity's
 * completion or a signal arrived while the task completing the call was running (the server refuses such a
 * completion and the task runs again). The update was not accepted, and its ID is kept, so sending it again is
 * safe: at most once applied, as every update of ours.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';

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

/** Runs `send` (an update with a fixed ID) again, a few times, while its workflow task failed under it. */
export async function retryingTaskFailures<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isUpdateTaskFailure(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * attempt));
    }
  }
}
