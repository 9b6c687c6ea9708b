import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { GuardUnavailable, type GuardOperation, type UnavailableReason } from './errors';

/** Default of `GuardClientOptions.unavailableAfter`. */
export const DEFAULT_UNAVAILABLE_AFTER_MS = 10_000;

/** Longest time the probe after a late answer may take, on top of the bound. */
const PROBE_MS = 2_000;

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
 * Runs a GuardClient's requests to Temporal within a bound. When no answer came within it, one quick look at
 * the call tells why: Temporal does not answer (`unreachable`), the call's workflow task waits with no worker
 * to take it (`no-worker`), or a worker has it, in which case waiting goes on (a policy's LLM judge, a human).
 */
export class TemporalCalls {
  constructor(
    private readonly target: () => TemporalTarget,
    private readonly boundMs: number,
  ) {}

  /**
   * @param callId the guarded call's workflow ID, when there is one to look at.
   * @throws GuardUnavailable instead of a transport failure or a call no worker takes; any other error as is.
   */
  async run<T>(operation: GuardOperation, request: () => Promise<T>, callId?: string): Promise<T> {
    const target = this.target();
    const started = Date.now();
    const abort = new AbortController();
    // A start is one short request: its deadline also ends the SDK's retries of a refused connection.
    const work =
      operation === 'start'
        ? target.client.withDeadline(started + this.boundMs, () => target.client.withAbortSignal(abort.signal, request))
        : target.client.withAbortSignal(abort.signal, request);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.boundMs);
    });
    const unavailable = (reason: UnavailableReason, cause?: unknown) => {
      abort.abort();
      return new GuardUnavailable(
        {
          address: target.address,
          namespace: target.namespace,
          taskQueue: target.taskQueue,
          operation,
          reason,
          elapsedMs: Date.now() - started,
          ...(callId !== undefined ? { callId } : {}),
        },
        cause !== undefined ? { cause } : undefined,
      );
    };
    try {
      const first = await Promise.race([work.then((value) => ({ value })), late]);
      if (first !== 'late') return first.value;
      const probe = operation === 'start' || callId === undefined ? 'unreachable' : await this.probe(target, callId);
      if (probe !== 'taken') throw unavailable(probe);
      return await work;
    } catch (err) {
      if (err instanceof GuardUnavailable || !isTransportFailure(err)) throw err;
      const probe = callId === undefined ? 'unreachable' : await this.probe(target, callId);
      throw unavailable(probe === 'no-worker' ? 'no-worker' : 'unreachable', err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Looks at the call once: a workflow task still only scheduled means no worker polls the task queue. */
  private async probe(target: TemporalTarget, callId: string): Promise<Probe> {
    try {
      const description = await target.client.withDeadline(Date.now() + Math.min(PROBE_MS, this.boundMs), () =>
        target.client.workflow.getHandle(callId).describe(),
      );
      const task = description.raw.pendingWorkflowTask;
      const waiting =
        task?.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED;
      return waiting ? 'no-worker' : 'taken';
    } catch (err) {
      return isTransportFailure(err) ? 'unreachable' : 'taken';
    }
  }
}
