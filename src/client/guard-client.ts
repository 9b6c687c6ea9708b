import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  type TLSConfig,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  ValueError,
  WorkflowExecutionAlreadyStartedError,
  type DataConverter,
  type Duration,
} from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { dataConverterFromEnv } from '../codec/data-converter';
import { clientConnectionOptions, loadConnectionConfig } from '../config';
import type { CallContext } from '../policy/types';
import type { GuardTracing } from '../telemetry/tracing';
import { tracingClientInterceptors } from '../telemetry/tracing-interceptors';
import { approvalProblem } from '../workflows/call-validation';
import {
  decideUpdate,
  extendUpdate,
  DEFAULT_TASK_QUEUE,
  statusQuery,
  type CallStatus,
  type DecideInput,
  type GuardResult,
} from '../workflows/definitions';
import { guardMessage, isGuardErrorCode } from '../workflows/error-codes';
import { assertSameCall } from './call-conflict';
import { startWithDecision } from './call-decision';
import { callStart, guardedCallType, JSON_VALUES_ONLY } from './call-start';
import {
  GuardApprovalError,
  GuardBlocked,
  GuardInputError,
  GuardToolFailed,
  GuardUnavailable,
  type ApprovalErrorCode,
} from './errors';
import { TemporalCalls, unavailableAfterMs, type TemporalTarget } from './temporal-calls';
import { retryingTaskFailures } from './update-retry';

/**
 * How to reach Temporal. Anything not given here comes from the environment and `temporal.toml` exactly as for
 * the worker, the API and the CLI (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`,
 * `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`; see docs/operations.md).
 */
export interface GuardClientOptions {
  /** host:port of the Temporal frontend. @default TEMPORAL_ADDRESS, the profile's, else 'localhost:7233' */
  address?: string;
  /** @default TEMPORAL_NAMESPACE, the profile's, else 'default' */
  namespace?: string;
  /** Temporal Cloud API key; turns TLS on. @default TEMPORAL_API_KEY or the profile's */
  apiKey?: string;
  /** `true` for TLS with system roots, `false` for plaintext, or TLS settings. @default from TEMPORAL_TLS* or the profile */
  tls?: TLSConfig | boolean;
  /** @default DURABLE_GUARD_TASK_QUEUE, else 'durable-guard' */
  taskQueue?: string;
  /**
   * How long one request may wait for Temporal, or for a worker to take the call, before it fails with
   * {@link GuardUnavailable}; e.g. '10s' or 10000. Waiting for a human or a running tool is not bounded.
   * @default '10s'
   */
  unavailableAfter?: Duration;
  /**
   * Payload codecs for the client this creates; must match the worker's.
   * @default encryption with `DURABLE_GUARD_CODEC_KEYS` when set, else plain JSON
   */
  dataConverter?: DataConverter;
  /**
   * OpenTelemetry: each call's workflow start carries the caller's active trace context, so the decision spans
   * join the caller's trace. With `client`, give that client `tracingClientInterceptors(tracing)` instead.
   * @default off
   */
  tracing?: GuardTracing;
  /**
   * An existing Temporal client (its connection, namespace, data converter and interceptors win); the connection
   * options above are then ignored.
   */
  client?: Client;
}

/** Options of one guarded call. */
export interface CheckOptions {
  /**
   * Workflow ID: re-submitting the same ID with the same tool, input and context returns the same execution's
   * result; with a different call it throws `GuardCallIdConflict`. @default `guard-<uuid>`
   */
  callId?: string;
  context?: CallContext;
  /** Wait for a human (or the timeout) instead of returning `escalate` at once. @default false */
  waitForEscalation?: boolean;
  /** Approval window, e.g. '5m' or 300000; wins over the rule's. @default the rule's, else 300 s */
  escalationTimeout?: Duration;
  /**
   * Accepted for parity with the seed and ignored: waiting uses Temporal's long poll on the result, so no
   * client polling happens.
   */
  escalationPollInterval?: Duration;
  /**
   * The tool's JSON Schema as the model was shown it: the worker blocks an input that does not validate, before
   * any rule runs (the provider integrations set it from the request's tool definitions). At most 16 KiB.
   */
  toolSchema?: Record<string, unknown>;
}

/** Options of an approval or denial. */
export interface ApprovalOptions {
  /** Who decides: written into the workflow history and the result. */
  by: string;
  reason?: string;
  /** Approve with edits: the tool runs with this input once the policy accepts it. */
  modifiedInput?: Record<string, unknown>;
  /** The approver's groups, checked against the rule's approver groups. */
  groups?: string[];
  /**
   * The update's ID: sending the same decision again with the same ID is answered with the first one's outcome
   * instead of deciding twice (a bulk decision resumed after a crash). @default a random UUID
   */
  updateId?: string;
  /** The standing grant this decision is made for (its matches): the result's `decidedBy.kind` is `grant`. */
  grantId?: string;
}

function updateErrorCode(err: unknown): { code: ApprovalErrorCode; message: string } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && isGuardErrorCode(cause.type)) {
    return { code: cause.type as ApprovalErrorCode, message: cause.message };
  }
  return undefined;
}

/**
 * Guards tool calls through the `guardedCall` workflow and resolves escalations.
 *
 * @example
 * const guard = new GuardClient();
 * const result = await guard.check('process_refund', { amount: 4200 });
 */
export class GuardClient {
  private readonly ownClient?: Client;
  private readonly options: GuardClientOptions;
  private readonly taskQueue: string;
  private readonly calls: TemporalCalls;

  /** @throws GuardInputError when `unavailableAfter` is not a positive duration. */
  constructor(options: GuardClientOptions = {}) {
    this.options = options;
    this.taskQueue = options.taskQueue ?? process.env.DURABLE_GUARD_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
    this.ownClient = options.client;
    this.calls = new TemporalCalls(() => this.target(), unavailableAfterMs(options.unavailableAfter));
  }

  private lazyClient?: Client;
  private lazyAddress?: string;

  /**
   * The underlying Temporal client (connects lazily), built from the options over the environment.
   * @throws ConfigError when the environment's connection settings are wrong, naming the variable.
   */
  get client(): Client {
    if (this.ownClient) return this.ownClient;
    if (!this.lazyClient) {
      const { address, namespace, apiKey, tls } = this.options;
      const config = loadConnectionConfig(process.env, { address, namespace, apiKey, tls });
      this.lazyAddress = config.address;
      this.lazyClient = new Client({
        connection: Connection.lazy(clientConnectionOptions(config)),
        namespace: config.namespace,
        dataConverter: this.options.dataConverter ?? dataConverterFromEnv(),
        ...(this.options.tracing ? { interceptors: tracingClientInterceptors(this.options.tracing) } : {}),
      });
    }
    return this.lazyClient;
  }

  private target(): TemporalTarget {
    const client = this.client;
    const connectionOptions = (client.connection as { options?: { address?: string } }).options;
    return {
      client,
      address: this.lazyAddress ?? connectionOptions?.address ?? 'an unknown address',
      namespace: client.options.namespace,
      taskQueue: this.taskQueue,
    };
  }

  /**
   * Decides one call; the caller runs the tool itself.
   *
   * @returns allow / modify / block, or `escalate` with `escalationId` as soon as the policy has decided,
   *   unless `waitForEscalation` is set, in which case it resolves when a human decides or the window ends.
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async check(tool: string, input: Record<string, unknown>, options: CheckOptions = {}): Promise<GuardResult> {
    if (options.waitForEscalation) {
      const handle = await this.calls.run('start', () => this.start(tool, input, options, false), options.callId);
      return this.calls.run('result', () => this.result(handle), handle.workflowId);
    }
    const start = callStart(tool, input, options, false, this.taskQueue);
    // One update ID, so that the request sent again once a worker has the call is the same update.
    const updateId = randomUUID();
    try {
      return await this.calls.run(
        'decision',
        () => startWithDecision(this.client, start, updateId, { result: (handle) => this.result(handle) }),
        start.workflowId,
        'start',
      );
    } catch (err) {
      // A callId naming another call is a conflict whether or not a worker is there to answer the update.
      if (start.callerId && err instanceof GuardUnavailable && err.reason === 'no-worker') {
        const handle = this.client.workflow.getHandle(start.workflowId);
        await this.calls.run('start', () => assertSameCall(this.client, handle, start.fingerprint), start.workflowId);
      }
      throw err;
    }
  }

  /**
   * Decides one call and, when allowed or modified, runs the tool on a worker (with an idempotency key derived
   * from the call ID). Waits through escalations.
   *
   * @returns the result with `toolResult`.
   * @throws GuardBlocked when the call is blocked (by policy, a denial or a timeout).
   * @throws GuardToolFailed when the tool itself failed for good.
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async run(
    tool: string,
    input: Record<string, unknown>,
    options: Omit<CheckOptions, 'waitForEscalation'> = {},
  ): Promise<GuardResult> {
    const handle = await this.calls.run('start', () => this.start(tool, input, options, true), options.callId);
    const result = await this.calls.run('result', () => this.result(handle, tool), handle.workflowId);
    if (result.action === 'block') {
      throw new GuardBlocked({
        tool,
        reason: result.reason,
        rulesTriggered: result.rulesTriggered,
        escalationId: handle.workflowId,
      });
    }
    return result;
  }

  /**
   * Approves a pending escalation. @returns the final decision (allow, or modify with edited input).
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async approve(escalationId: string, { updateId, ...options }: ApprovalOptions): Promise<GuardResult> {
    return this.decide(escalationId, { ...options, decision: 'approve' }, updateId);
  }

  /**
   * Denies a pending escalation. @returns the final decision (block).
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async deny(escalationId: string, { updateId, ...options }: ApprovalOptions): Promise<GuardResult> {
    return this.decide(escalationId, { ...options, decision: 'deny' }, updateId);
  }

  /**
   * Extends a pending approval window (update `extend`), up to the rule's `maxWindow`.
   * @param options.extendBy how much longer, e.g. '24h' or milliseconds
   * @returns the call's status with the new `expiresAt` and ladder
   * @throws GuardApprovalError `GUARD_EXTEND_REFUSED` past the maxWindow or without one; the codes of approve otherwise
   */
  async extend(
    escalationId: string,
    options: { by: string; extendBy: Duration; groups?: string[]; reason?: string },
  ): Promise<CallStatus> {
    let extendByMs: number;
    try {
      extendByMs = msToNumber(options.extendBy);
    } catch (err) {
      const problem = `extendBy ${JSON.stringify(options.extendBy)} is not a duration like '24h' or 86400000`;
      throw new GuardApprovalError(
        'GUARD_INVALID_APPROVAL',
        escalationId,
        guardMessage('GUARD_INVALID_APPROVAL', escalationId, problem),
        { cause: err },
      );
    }
    const input = {
      by: options.by,
      extendByMs,
      ...(options.groups ? { groups: options.groups } : {}),
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
    };
    const handle = this.client.workflow.getHandle(escalationId);
    return this.calls.run(
      'approve',
      async () => {
        const updateId = randomUUID();
        try {
          return await retryingTaskFailures(() => handle.executeUpdate(extendUpdate, { args: [input], updateId }));
        } catch (err) {
          const coded = updateErrorCode(err);
          if (coded) throw new GuardApprovalError(coded.code, escalationId, coded.message, { cause: err });
          throw await this.explainClosed(escalationId, handle, err);
        }
      },
      escalationId,
    );
  }

  /**
   * Current state of a guarded call (query `status`).
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async status(escalationId: string): Promise<CallStatus> {
    try {
      return await this.calls.run(
        'status',
        () => this.client.workflow.getHandle(escalationId).query(statusQuery),
        escalationId,
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new GuardApprovalError(
          'GUARD_ESCALATION_NOT_FOUND',
          escalationId,
          guardMessage('GUARD_ESCALATION_NOT_FOUND', escalationId),
          { cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * Waits for the final result of a call started earlier (e.g. after a fire-and-forget `check`).
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async waitForResult(escalationId: string): Promise<GuardResult> {
    return this.calls.run('result', () => this.result(this.client.workflow.getHandle(escalationId)), escalationId);
  }

  private async start(tool: string, input: Record<string, unknown>, options: CheckOptions, execute: boolean) {
    const start = callStart(tool, input, options, execute, this.taskQueue);
    let handle: WorkflowHandle;
    try {
      handle = await this.client.workflow.start(guardedCallType, start.options);
    } catch (err) {
      if (err instanceof ValueError) {
        throw new GuardInputError(`the call to '${tool}' cannot be sent: ${err.message}${JSON_VALUES_ONLY}`, {
          cause: err,
        });
      }
      // The same callId was used before and has completed: its result is the answer, never a second run.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = this.client.workflow.getHandle(start.workflowId);
    }
    // Only a caller's callId can name an existing execution (the SDK does not say whether the start attached):
    // its decision is returned only if it was made for this very call.
    if (start.callerId) await assertSameCall(this.client, handle, start.fingerprint);
    return handle;
  }

  private async result(handle: WorkflowHandle, tool = 'tool'): Promise<GuardResult> {
    try {
      return (await handle.result()) as GuardResult;
    } catch (err) {
      if (
        err instanceof WorkflowFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === 'GUARD_TOOL_FAILED'
      ) {
        throw new GuardToolFailed(tool, handle.workflowId, err.cause.message, { cause: err });
      }
      throw err;
    }
  }

  private async isClosed(handle: WorkflowHandle): Promise<boolean> {
    const description = await handle.describe();
    return description.status.name !== 'RUNNING';
  }

  private async decide(
    escalationId: string,
    input: DecideInput,
    updateId: string = randomUUID(),
  ): Promise<GuardResult> {
    const problem = approvalProblem(input, true);
    if (problem)
      throw new GuardApprovalError(
        'GUARD_INVALID_APPROVAL',
        escalationId,
        guardMessage('GUARD_INVALID_APPROVAL', escalationId, problem),
      );
    const handle = this.client.workflow.getHandle(escalationId);
    return this.calls.run(
      input.decision,
      async () => {
        try {
          return await retryingTaskFailures(() => handle.executeUpdate(decideUpdate, { args: [input], updateId }));
        } catch (err) {
          if (err instanceof ValueError) {
            const problem = `it cannot be sent: ${err.message}${JSON_VALUES_ONLY}`;
            const message = guardMessage('GUARD_INVALID_APPROVAL', escalationId, problem);
            throw new GuardApprovalError('GUARD_INVALID_APPROVAL', escalationId, message, { cause: err });
          }
          const coded = updateErrorCode(err);
          if (coded) throw new GuardApprovalError(coded.code, escalationId, coded.message, { cause: err });
          throw await this.explainClosed(escalationId, handle, err);
        }
      },
      escalationId,
    );
  }

  /** The result of a still-running call that is no longer waiting for approval, if it has one. */
  private async decidedMeanwhile(handle: WorkflowHandle): Promise<GuardResult | undefined> {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (!status || status.status === 'pending-approval' || status.status === 'deciding') return undefined;
    return status.result;
  }

  /** Turns a failed update on a missing, closed or meanwhile decided workflow into the reason a person understands. */
  private async explainClosed(escalationId: string, handle: WorkflowHandle, original: unknown): Promise<unknown> {
    let closed: boolean;
    try {
      closed = await this.isClosed(handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return new GuardApprovalError(
          'GUARD_ESCALATION_NOT_FOUND',
          escalationId,
          guardMessage('GUARD_ESCALATION_NOT_FOUND', escalationId),
          { cause: err },
        );
      }
      return original;
    }
    // Still running: a deny signal or the timer may have decided while the update was on its way (Temporal then
    // fails the update with FAILED_PRECONDITION while the workflow finishes); the status query has the decision.
    const result = closed ? await handle.result().catch(() => undefined) : await this.decidedMeanwhile(handle);
    // A result that cannot be read (a loaded server) explains nothing: the original error stands.
    if (!result) return original;
    const by = result?.decidedBy;
    if (by?.kind === 'timeout') {
      return new GuardApprovalError(
        'GUARD_TIMED_OUT',
        escalationId,
        `${guardMessage('GUARD_TIMED_OUT', escalationId, by.at)}: ${result?.reason}`,
        { cause: original },
      );
    }
    if (by?.kind === 'human') {
      return new GuardApprovalError(
        'GUARD_ALREADY_DECIDED',
        escalationId,
        guardMessage('GUARD_ALREADY_DECIDED', escalationId, { by: by.identity, action: result?.action, at: by.at }),
        { cause: original },
      );
    }
    return new GuardApprovalError(
      'GUARD_NOT_ESCALATED',
      escalationId,
      guardMessage('GUARD_NOT_ESCALATED', escalationId, result?.action),
      { cause: original },
    );
  }
}
