/**
 * JSON schemas of the guard endpoint (`POST /v1/guard`, `GET /v1/calls/:id`), in the seed's snake_case, used by
 * fastify to validate and by the OpenAPI document.
 */
import { INPUT_LIMITS } from '../workflows/input-limits';

/** Longest escalation window a caller may ask for: a year, in seconds. */
export const MAX_ESCALATION_TIMEOUT_S = 365 * 24 * 3600;
/** Longest `?wait=` of `GET /v1/calls/:id`. */
export const MAX_CALL_WAIT_MS = 60_000;
/** How long `POST /v1/guard` waits for a human before answering 202, unless the API is told otherwise. */
export const DEFAULT_GUARD_WAIT_MS = 25_000;
/** Largest body of `POST /v1/guard`: an input at its limit, a context at its limit, and the rest. */
export const GUARD_BODY_LIMIT = INPUT_LIMITS.input.maxBytes + INPUT_LIMITS.context.maxBytes + 64 * 1024;

export const guardBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tool', 'input'],
  properties: {
    tool: {
      type: 'string',
      minLength: 1,
      maxLength: INPUT_LIMITS.toolNameLength,
      description: 'the tool the agent wants to run (letters, digits and _ . : - /)',
    },
    input: { type: 'object', description: "the tool's input, a JSON object (limits: docs/limits.md)" },
    context: {
      type: 'object',
      description:
        "facts for rule conditions (agent, ...); `caller` is set to the caller token's identity (a different one is refused)",
    },
    call_id: {
      type: 'string',
      minLength: 1,
      maxLength: INPUT_LIMITS.callIdLength,
      description: 'the call ID (workflow ID): re-sending the same call with it returns the same decision',
    },
    wait_for_escalation: {
      type: 'boolean',
      description: 'wait for the human decision (allow or block) instead of answering escalate at once',
    },
    escalation_timeout: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: MAX_ESCALATION_TIMEOUT_S,
      description: "approval window in seconds; wins over the rule's (default the rule's, else 300)",
    },
    escalation_poll_interval: {
      type: 'number',
      minimum: 0,
      description: "accepted for parity with the seed and unused: waiting is Temporal's long poll",
    },
  },
} as const;

export interface GuardBody {
  tool: string;
  input: Record<string, unknown>;
  context?: Record<string, unknown>;
  call_id?: string;
  wait_for_escalation?: boolean;
  escalation_timeout?: number;
  escalation_poll_interval?: number;
}

export const callParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: INPUT_LIMITS.callIdLength, description: 'call ID (escalation ID)' },
  },
} as const;

export const callQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wait: {
      type: 'string',
      pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m)$',
      maxLength: 32,
      description: `long-poll up to this long for the result, e.g. 30s; at most ${MAX_CALL_WAIT_MS / 1000}s (default 0: answer at once)`,
    },
  },
} as const;

export interface CallQuery {
  wait?: string;
}

/** The answer of both routes: the seed's result fields, snake_case, plus where the call stands. */
export const guardAnswerSchema = {
  type: 'object',
  required: ['action', 'modified_input', 'reason', 'rules_triggered', 'escalation_id', 'status'],
  properties: {
    action: { type: 'string', enum: ['allow', 'block', 'modify', 'escalate'] },
    modified_input: { type: 'object', nullable: true },
    reason: { type: 'string', nullable: true },
    rules_triggered: { type: 'array', items: { $ref: '#/components/schemas/RuleHit' } },
    escalation_id: { type: 'string', nullable: true, description: 'the call ID; set for every call' },
    status: {
      type: 'string',
      enum: ['decided', 'pending'],
      description: 'pending: escalated and waiting for a human (202, or 200 from a fire-and-forget call)',
    },
    decided_by: {
      type: 'object',
      nullable: true,
      properties: {
        kind: { type: 'string', enum: ['policy', 'human', 'timeout'] },
        identity: { type: 'string' },
        at: { type: 'string', format: 'date-time' },
      },
    },
    fingerprint: { type: 'string', nullable: true, description: 'SHA-256 of the canonical tool, input and context' },
  },
} as const;
