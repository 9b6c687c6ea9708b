/**
 * durable-guard: guard AI-agent tool calls; escalations are durable Temporal workflows.
 * The client API, the worker factory and the policy engine's public types.
 */
export {
  GuardApprovalError,
  GuardBlocked,
  GuardCallIdConflict,
  GuardClient,
  GuardInputError,
  GuardToolFailed,
  GuardUnavailable,
  type ApprovalErrorCode,
  type InputErrorCode,
  type ApprovalOptions,
  type CheckOptions,
  type GuardClientOptions,
  type GuardOperation,
  type GuardUnavailableFields,
  type UnavailableReason,
} from './client';
export {
  DEFAULT_TASK_QUEUE,
  type CallStatus,
  type DecidedBy,
  type GuardResult,
  type GuardStatus,
  type GuardedCallInput,
} from './workflows/definitions';
/** The structural limits every boundary checks (docs/limits.md). */
export { INPUT_LIMITS, type ValueLimits } from './workflows/input-limits';
export { callFingerprint, canonicalJson, type FingerprintedCall } from './workflows/fingerprint';
export type { CallContext, Decider, GuardAction, PolicyDecision, RuleHit, ToolCall } from './policy/types';
export { PolicyEngine, PolicyError, PolicyStore } from './policy';
export { createWorker, type CreateWorkerOptions } from './worker';
export {
  createTracing,
  tracingClientInterceptors,
  tracingFromEnv,
  TRACING_WORKFLOW_INTERCEPTOR_MODULES,
  type CreateTracingOptions,
  type GuardTracing,
} from './telemetry';
export { dataConverterFromEnv, encryptingDataConverter } from './codec';
export type { ToolContext, ToolDefinition, ToolImplementation, ToolRegistry } from './activities/tools';
export {
  guardSummaryOf,
  guardToolCalls,
  patchAnthropic,
  patchOpenAI,
  toolCallGuardId,
  type AnthropicClientLike,
  type OpenAIClientLike,
  type PatchOptions,
} from './integrations';
export type { BlockedCall } from './client/errors';
export { ConfigError } from './config';
