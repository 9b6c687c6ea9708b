/** Errors the client raises; match on `name` or `code` across realms, not on `instanceof`. */
import type { RuleHit } from '../policy/types';
import type { GuardErrorCode } from '../workflows/error-codes';

/** One blocked call, as listed by {@link GuardBlocked.blocked}. */
export interface BlockedCall {
  tool: string;
  reason: string;
  rulesTriggered: RuleHit[];
  /** The provider's ID of the tool call (Anthropic `tool_use.id`, OpenAI `tool_call.id` / `call_id`). */
  toolCallId?: string;
  /** The guarded call's workflow ID, when the guard was asked (absent for calls refused before, e.g. bad JSON). */
  escalationId?: string;
}

function blockedMessage(blocked: BlockedCall[]): string {
  const describe = (call: BlockedCall) => {
    const rules = call.rulesTriggered.map((hit) => hit.id);
    return `tool '${call.tool}' blocked: ${call.reason}${rules.length > 0 ? ` (rules: ${rules.join(', ')})` : ''}`;
  };
  if (blocked.length === 1) return describe(blocked[0]!);
  return `${blocked.length} tool calls blocked: ${blocked.map(describe).join('; ')}`;
}

/**
 * Thrown by {@link GuardClient.run} and by the model-provider integrations when the guard blocks a call.
 * When several calls of one model response are blocked, one error names them all: `tool`, `reason`,
 * `rulesTriggered` and `escalationId` describe the first, `blocked` lists every one.
 */
export class GuardBlocked extends Error {
  override name = 'GuardBlocked';
  /** The (first) blocked tool. */
  readonly tool: string;
  readonly reason: string;
  /** The rules that fired for the first blocked call. */
  readonly rulesTriggered: RuleHit[];
  /** The guarded call's workflow ID. */
  readonly escalationId?: string;
  /** Every blocked call, in the order the model proposed them. */
  readonly blocked: BlockedCall[];

  constructor(
    fields: { tool: string; reason?: string; rulesTriggered: RuleHit[]; escalationId?: string; toolCallId?: string },
    options?: { cause?: unknown; blocked?: BlockedCall[] },
  ) {
    const reason = fields.reason ?? 'blocked by policy';
    const first: BlockedCall = {
      tool: fields.tool,
      reason,
      rulesTriggered: fields.rulesTriggered,
      ...(fields.toolCallId !== undefined ? { toolCallId: fields.toolCallId } : {}),
      ...(fields.escalationId !== undefined ? { escalationId: fields.escalationId } : {}),
    };
    const blocked = options?.blocked && options.blocked.length > 0 ? options.blocked : [first];
    super(blockedMessage(blocked), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.tool = fields.tool;
    this.reason = reason;
    this.rulesTriggered = fields.rulesTriggered;
    this.escalationId = fields.escalationId;
    this.blocked = blocked;
  }

  /** One error for several blocked calls; the first gives `tool`, `reason`, `rulesTriggered`, `escalationId`. */
  static of(blocked: BlockedCall[], options?: { cause?: unknown }): GuardBlocked {
    const first = blocked[0];
    if (!first) throw new RangeError('GuardBlocked.of needs at least one blocked call');
    return new GuardBlocked(first, { ...options, blocked });
  }
}

/**
 * Why a call was refused: `GUARD_INPUT_LIMIT` when it broke a structural limit (then `limit` names it),
 * `GUARD_INVALID_CALL` when it is malformed otherwise.
 */
export type InputErrorCode = Extract<GuardErrorCode, 'GUARD_INPUT_LIMIT' | 'GUARD_INVALID_CALL'>;

/**
 * A call the client refuses before anything reaches Temporal (or that Temporal's payload conversion refused):
 * the message names the problem and the fix.
 */
export class GuardInputError extends Error {
  override name = 'GuardInputError';
  /** @default 'GUARD_INPUT_LIMIT' when `limit` is given, else 'GUARD_INVALID_CALL' */
  readonly code: InputErrorCode;
  /** The limit broken, as INPUT_LIMITS and docs/limits.md name it: `input.maxDepth`, `callIdLength`, ... */
  readonly limit?: string;

  constructor(message: string, options?: { cause?: unknown; code?: InputErrorCode; limit?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = options?.code ?? (options?.limit ? 'GUARD_INPUT_LIMIT' : 'GUARD_INVALID_CALL');
    if (options?.limit !== undefined) this.limit = options.limit;
  }
}

/** Why an approval or denial was refused. */
export type ApprovalErrorCode = Extract<
  GuardErrorCode,
  | 'GUARD_ESCALATION_NOT_FOUND'
  | 'GUARD_ALREADY_DECIDED'
  | 'GUARD_TIMED_OUT'
  | 'GUARD_NOT_ESCALATED'
  | 'GUARD_NOT_PENDING'
  | 'GUARD_INVALID_APPROVAL'
  | 'GUARD_APPROVER_NOT_ALLOWED'
  | 'GUARD_EDIT_REFUSED'
  | 'GUARD_EXTEND_REFUSED'
  | 'GUARD_SELF_APPROVAL'
  | 'GUARD_ALREADY_VOTED'
  | 'GUARD_QUORUM_EDIT_REFUSED'
>;

/** An approve/deny that did not take effect; `code` says why (already decided, timed out, ...). */
export class GuardApprovalError extends Error {
  override name = 'GuardApprovalError';
  readonly code: ApprovalErrorCode;
  readonly escalationId: string;

  constructor(code: ApprovalErrorCode, escalationId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.escalationId = escalationId;
  }
}

/** The guard allowed an execute-mode call but the tool itself failed for good. */
export class GuardToolFailed extends Error {
  override name = 'GuardToolFailed';
  readonly tool: string;
  readonly callId: string;

  constructor(tool: string, callId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.tool = tool;
    this.callId = callId;
  }
}

/**
 * A caller-given callId (or batch ID) already names a different call (or batch): its result belongs to that one.
 * `expected` is this call's fingerprint, `found` the one recorded on the existing execution.
 */
export class GuardCallIdConflict extends Error {
  override name = 'GuardCallIdConflict';
  readonly code: Extract<GuardErrorCode, 'GUARD_CALL_ID_CONFLICT'> = 'GUARD_CALL_ID_CONFLICT';
  readonly callId: string;
  /** Fingerprint of the call (or batch) being submitted. */
  readonly expected: string;
  /** Fingerprint recorded on the existing execution with that ID. */
  readonly found: string;
  /** Whether the ID is a call's or a batch's. */
  readonly kind: 'call' | 'batch';

  constructor(
    fields: { callId: string; expected: string; found: string; kind?: 'call' | 'batch' },
    options?: { cause?: unknown },
  ) {
    const kind = fields.kind ?? 'call';
    const what =
      kind === 'call'
        ? `callId '${fields.callId}' already names a different call (tool, input or context differ)`
        : `batch ID '${fields.callId}' already names a batch with different items`;
    super(
      `${what}: recorded fingerprint ${fields.found}, this ${kind}'s ${fields.expected}; ` +
        `its decision is not this ${kind}'s: use a new ${kind === 'call' ? 'callId' : 'batch ID'} for a different ${kind}`,
      options,
    );
    this.callId = fields.callId;
    this.expected = fields.expected;
    this.found = fields.found;
    this.kind = kind;
  }
}

/**
 * What a {@link GuardUnavailable} client was doing when Temporal or a worker did not answer: a GuardClient's
 * operations, then a BatchClient's (`submit`, `progress`, `batch-result`, `batch-items`), then a process's
 * first connection at startup (`connect`: the approval API).
 */
export type GuardOperation =
  | 'start'
  | 'decision'
  | 'approve'
  | 'deny'
  | 'status'
  | 'result'
  | 'submit'
  | 'progress'
  | 'batch-result'
  | 'batch-items'
  | 'connect';

/**
 * Why the guard is unavailable: Temporal did not answer (`unreachable`), or it answered but no worker took the
 * call from the task queue (`no-worker`).
 */
export type UnavailableReason = 'unreachable' | 'no-worker';

/** The fields of a {@link GuardUnavailable}. */
export interface GuardUnavailableFields {
  /** `host:port` of the Temporal frontend the client used. */
  address: string;
  namespace: string;
  taskQueue: string;
  operation: GuardOperation;
  reason: UnavailableReason;
  /** How long the client tried, in milliseconds. */
  elapsedMs: number;
  /** The guarded call's workflow ID, once known. */
  callId?: string;
}

const TRIED: Record<GuardOperation, string> = {
  start: 'starting the guarded call',
  decision: 'waiting for the policy decision',
  approve: 'approving the escalation',
  deny: 'denying the escalation',
  status: 'reading the call status',
  result: 'waiting for the result',
  submit: 'submitting the batch',
  progress: 'reading the batch progress',
  'batch-result': 'waiting for the batch to end',
  'batch-items': 'listing the batch items',
  connect: 'connecting at startup',
};

/** What a batch operation that got no answer leaves behind. */
const BATCH_CONSEQUENCE: Partial<Record<GuardOperation, string>> = {
  submit:
    'The batch may or may not have been submitted; submit again with the same batchId once the guard is back: ' +
    'it attaches to the batch rather than running it twice.',
  progress: 'The progress is unknown; the batch itself goes on.',
  'batch-result': 'The batch goes on; ask for its result again once the guard is back.',
  'batch-items': 'The items are unknown; the batch itself goes on.',
  connect:
    'The process did not start and exits; start it again once Temporal answers (a supervisor that restarts it ' +
    'on exit, such as the compose restart policy, does so by itself).',
};

function unavailableMessage(fields: GuardUnavailableFields): string {
  const seconds = `${(fields.elapsedMs / 1000).toFixed(1)} s`;
  const batch = BATCH_CONSEQUENCE[fields.operation];
  const call = fields.callId !== undefined ? ` (${batch ? 'batch' : 'call'} ${fields.callId})` : '';
  const where = `Temporal at ${fields.address}, namespace ${fields.namespace}`;
  const problem =
    fields.reason === 'unreachable'
      ? `${where} did not answer within ${seconds} while ${TRIED[fields.operation]}${call}: check ` +
        'TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, that the server is up, and that this process can reach it ' +
        '(TLS, API key)'
      : `${where} answered, but no worker took the call within ${seconds} while ${TRIED[fields.operation]}${call}: ` +
        `check that a durable-guard worker is running against the same namespace and polling task queue ` +
        `'${fields.taskQueue}' (DURABLE_GUARD_TASK_QUEUE)`;
  const consequence = batch
    ? batch
    : fields.operation === 'approve' || fields.operation === 'deny'
      ? 'The escalation was not decided; try again once the guard is back.'
      : fields.operation === 'status'
        ? 'The status is unknown.'
        : `No decision was made, so the tool must not run.${
            fields.reason === 'no-worker' && fields.callId !== undefined
              ? ` The call stays queued as ${fields.callId}: a worker that starts later decides it; retry with this ` +
                'callId to get that decision rather than asking twice.'
              : ''
          }`;
  return `guard unavailable: ${problem}. ${consequence}`;
}

/**
 * Temporal or every worker did not answer within the client's `unavailableAfter` bound. No decision was made:
 * the tool must not run. Match on `name` or `code`; `reason` tells an unreachable server from a task queue no
 * worker polls.
 */
export class GuardUnavailable extends Error {
  override name = 'GuardUnavailable';
  readonly code: Extract<GuardErrorCode, 'GUARD_UNAVAILABLE'> = 'GUARD_UNAVAILABLE';
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly operation: GuardOperation;
  readonly reason: UnavailableReason;
  readonly elapsedMs: number;
  readonly callId?: string;

  constructor(fields: GuardUnavailableFields, options?: { cause?: unknown }) {
    super(unavailableMessage(fields), options);
    this.address = fields.address;
    this.namespace = fields.namespace;
    this.taskQueue = fields.taskQueue;
    this.operation = fields.operation;
    this.reason = fields.reason;
    this.elapsedMs = fields.elapsedMs;
    if (fields.callId !== undefined) this.callId = fields.callId;
  }
}
