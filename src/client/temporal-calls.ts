import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcCancelledError, isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import { guardStatusKey } from '../workflows/definitions';
import { GuardInputError, GuardUnavailable, type GuardOperation, type UnavailableReason } from './errors';

/** Default of `GuardClientOptions.unavailableAfter`. */
export const DEFAULT_UNAVAILABLE_AFTER_MS = 10_000;

/** The `unavailableAfter` option of a client in milliseconds. @throws GuardInputError unless a positive duration */
export function unavailableAfterMs(bound: Duration | undefined): number {
  if (bound === undefined) return DEFAULT_UNAVAILABLE_AFTER_MS;
  let ms: number;
  try {
    ms = msToNumber(bound);
  } catch (err) {
    throw new GuardInputError(`unavailableAfter ${JSON.stringify(bound)} is not a duration like '10s' or 10000`, {
      cause: err,
    });
  }
  if (!(ms > 0)) throw new GuardInputError(`unavailableAfter ${JSON.stringify(bound)} must be more than 0`);
  return ms;
}

/** Longest time the probe after a late answer may take, on top of the bound. */
const PROBE_MS = 2_000;

/**
 * The server resets a stream whose deadline it saw pass (RST_STREAM CANCEL), which can reach the client as
 * CANCELLED a moment before its own DEADLINE_EXCEEDED: near the deadline, that is the same outcome.
 */
const DEADLINE_SLACK_MS = 250;

/** The gRPC outcomes that mean "Temporal did not answer": the server is down, unreachable, or too slow. */
const TRANSPORT_FAILURES = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);

/** Whether `err`, or an error in its `cause` chain, is a gRPC failure to reach Temporal. */
export function isTransportFailure(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 10; depth++) {
    if (isGrpcServiceError(current) && TRANSPORT_FAILURES.has(current.code)) return true;
    current = current.cause;
  }
  return false;
}

/** The Temporal client of a GuardClient and what its errors name. */
export interface TemporalTarget {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
}

type Probe = UnavailableReason | 'taken';

/**
 * Runs a GuardClient's requests to Temporal within a bound. The first attempt has the bound as its gRPC deadline
 * (which also ends the SDK's retries of a refused connection). When it runs out, one quick look at the call
 * tells why: Temporal does not answer (`unreachable`), the call's workflow task waits with no worker to take it
 * (`no-worker`), or a worker has it (a policy's LLM judge, a human, a running tool), in which case the request
 * is sent again without a deadline. Requests must therefore be idempotent: reads, or updates with a fixed ID.
 */
export class TemporalCalls {
  constructor(
    private readonly target: () => TemporalTarget,
    private readonly boundMs: number,
  ) {}

  /**
   * @param callId the guarded call's workflow ID, when there is one to look at.
   * @param unreachableOperation what the error names when Temporal does not answer at all (a request that starts
   *   the call and waits for its decision: `start`). @default operation
   * @throws GuardUnavailable instead of a transport failure or a call no worker takes; any other error as is.
   */
  async run<T>(
    operation: GuardOperation,
    request: () => Promise<T>,
    callId?: string,
    unreachableOperation: GuardOperation = operation,
  ): Promise<T> {
    const target = this.target();
    const started = Date.now();
    const unavailable = (reason: UnavailableReason, cause: unknown) =>
      new GuardUnavailable(
        {
          address: target.address,
          namespace: target.namespace,
          taskQueue: target.taskQueue,
          operation: reason === 'unreachable' ? unreachableOperation : operation,
          reason,
          elapsedMs: Date.now() - started,
          ...(callId !== undefined ? { callId } : {}),
        },
        { cause },
      );
    let late: unknown;
    const deadline = started + this.boundMs;
    try {
      return await target.client.withDeadline(deadline, request);
    } catch (err) {
      const cancelledAtDeadline = isGrpcCancelledError(err) && Date.now() >= deadline - DEADLINE_SLACK_MS;
      if (!isTransportFailure(err) && !cancelledAtDeadline) throw err;
      late = err;
    }
    const starting = operation === 'start' || operation === 'submit';
    const probe = starting || callId === undefined ? 'unreachable' : await this.probe(target, callId, operation);
    if (probe !== 'taken') throw unavailable(probe, late);
    try {
      return await request();
    } catch (err) {
      if (isTransportFailure(err)) throw unavailable('unreachable', err);
      throw err;
    }
  }

  /**
   * Looks at the call once: a workflow task still only scheduled means no worker polls the task queue. A result
   * awaited for a call the policy has decided is never "unavailable": the tool may be running, or have run, and a
   * task scheduled between two workers (one draining, the next starting) is taken a moment later.
   */
  private async probe(target: TemporalTarget, callId: string, operation: GuardOperation): Promise<Probe> {
    try {
      const description = await target.client.withDeadline(Date.now() + Math.min(PROBE_MS, this.boundMs), () =>
        target.client.workflow.getHandle(callId).describe(),
      );
      const status = description.typedSearchAttributes.get(guardStatusKey);
      if (operation === 'result' && status !== undefined && status !== 'deciding') return 'taken';
      const task = description.raw.pendingWorkflowTask;
      const waiting =
        task?.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED;
      return waiting ? 'no-worker' : 'taken';
    } catch (err) {
      return isTransportFailure(err) || isGrpcCancelledError(err) ? 'unreachable' : 'taken';
    }
  }
}
