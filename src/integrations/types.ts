/** Shapes shared by the model-provider integrations. No SDK is imported: the SDKs stay optional. */
import type { BlockedCall } from '../client/errors';
import type { CheckOptions } from '../client/guard-client';
import type { CallContext, GuardResult } from '../workflows/definitions';

/** Anything that guards one call the way {@link GuardClient.check} does; a `GuardClient` satisfies it. */
export interface ToolGuard {
  check(tool: string, input: Record<string, unknown>, options?: CheckOptions): Promise<GuardResult>;
}

/** Which API shape a model response has. */
export type ProviderShape = 'anthropic' | 'openai-chat' | 'openai-responses';

/** An Anthropic `tool_result` content block, to send in the next `user` message. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error: true;
}

/** An OpenAI Chat Completions `tool` message. */
export interface OpenAIToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string;
}

/** An OpenAI Responses API `function_call_output` input item. */
export interface ResponsesFunctionCallOutput {
  type: 'function_call_output';
  call_id: string;
  output: string;
}

/** A provider-shaped message telling the model that one of its calls did not run. */
export type ToolResultMessage = AnthropicToolResultBlock | OpenAIToolMessage | ResponsesFunctionCallOutput;

/**
 * One tool call found in a model response, with the operations the guard needs on it. Built by the
 * per-provider extractors; `input` is absent when the model's arguments are unusable (`problem` says why).
 */
export interface ProposedCall {
  /** The provider's ID of the call: Anthropic `tool_use.id`, OpenAI `tool_calls[].id`, Responses `call_id`. */
  toolCallId: string;
  tool: string;
  input?: Record<string, unknown>;
  problem?: string;
  /** Replaces the call's input in the response (OpenAI: re-serialises `arguments`). */
  rewrite(input: Record<string, unknown>): void;
  /** Removes the call from the response; returns the provider item that was removed. */
  withhold(): unknown;
  /** The provider-shaped message answering this call with `text`. */
  toolResult(text: string): ToolResultMessage;
}

/** Options of {@link guardToolCalls}, {@link patchAnthropic} and {@link patchOpenAI}. */
export interface GuardToolCallsOptions {
  /**
   * Wait for a human (or the escalation timeout) when a call escalates. When false, an escalated call is
   * withheld from the response and reported in `pending` with its `escalationId`.
   * @default true
   */
  waitForEscalation?: boolean;
  /** Approval window, e.g. '5m' or 300000. @default the rule's, else 300 s */
  escalationTimeout?: CheckOptions['escalationTimeout'];
  /**
   * Makes the guarded call's ID `${callIdPrefix}${toolCallId}-<16 hex digits of the call's fingerprint>`
   * ({@link toolCallGuardId}), so that re-running an agent turn on the same model response finds the same
   * escalation instead of opening a second one, while a tool call ID replayed with other arguments opens a new
   * call. Without it every check gets a fresh ID.
   */
  callIdPrefix?: string;
  /** Who is calling; available to rule conditions as `context`. */
  context?: CallContext;
  /**
   * What a block does: `'throw'` throws one `GuardBlocked` naming every blocked call; `'tool-result'` withholds
   * the blocked calls from the response and returns error tool results for the model in `toolResults`.
   * @default 'throw'
   */
  onBlock?: 'throw' | 'tool-result';
  /**
   * What a call does when the guard cannot decide it because Temporal or every worker is unreachable (the
   * check throws `GuardUnavailable`): `'throw'` lets the `GuardUnavailable` propagate; `'block'` treats the call
   * as blocked with reason `guard unavailable: ...`, handled like any block (see `onBlock`). Never an allow.
   * @default 'throw'
   */
  onUnavailable?: 'throw' | 'block';
  /**
   * Tool name to the JSON Schema the model was shown; each call is sent with its tool's schema and the worker
   * blocks an input that does not validate. `patchAnthropic` and `patchOpenAI` fill it from the request's `tools`
   * (see `attachToolSchemas`); pass it yourself to {@link guardToolCalls} (e.g. from `toolSchemasGivenToModel`).
   */
  toolSchemas?: Readonly<Record<string, Record<string, unknown>>>;
}

/** The guard's answer for one call of a response. */
export interface GuardedToolCall {
  toolCallId: string;
  tool: string;
  /** The input the model proposed (absent when its arguments were not a JSON object). */
  input?: Record<string, unknown>;
  result: GuardResult;
}

/** An escalated call still waiting for a human (only with `waitForEscalation: false`). */
export interface PendingToolCall {
  toolCallId: string;
  tool: string;
  input: Record<string, unknown>;
  /** Approve or deny with `guard.approve(escalationId, ...)`; read the outcome with `guard.waitForResult`. */
  escalationId: string;
}

/** What {@link guardToolCalls} did to one model response. */
export interface GuardedToolCalls {
  provider: ProviderShape;
  /** One entry per tool call in the response, in the order proposed. */
  results: GuardedToolCall[];
  /**
   * One message per withheld call (blocked in `'tool-result'` mode, or pending), for the model. Providers accept
   * a tool result only for a call in the preceding assistant turn: see `withheld`.
   */
  toolResults: ToolResultMessage[];
  /** Escalated calls that were not waited for. */
  pending: PendingToolCall[];
  /** Blocked calls (reported here in `'tool-result'` mode; in `'throw'` mode they are thrown instead). */
  blocked: BlockedCall[];
  /**
   * The provider items removed from the response (blocked in `'tool-result'` mode, or pending). To send
   * `toolResults`, append the assistant turn with these put back (Anthropic `content`, Chat `tool_calls`);
   * with the Responses API and `previous_response_id` the server already holds them.
   */
  withheld: unknown[];
}
