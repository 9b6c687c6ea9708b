/** Guards every tool call of one model response before the agent loop runs any of them. */
import { GuardBlocked, GuardInputError, type BlockedCall, type GuardUnavailable } from '../client/errors';
import type { GuardResult } from '../workflows/definitions';
import { callFingerprint, type FingerprintedCall } from '../workflows/fingerprint';
import { anthropicToolCalls, isAnthropicMessage } from './anthropic-calls';
import { chatCompletionToolCalls, isChatCompletion } from './openai-chat-calls';
import { isResponsesResponse, responseFunctionCalls } from './openai-responses-calls';
import type {
  GuardedToolCall,
  GuardedToolCalls,
  GuardToolCallsOptions,
  PendingToolCall,
  ProposedCall,
  ProviderShape,
  ToolGuard,
  ToolResultMessage,
} from './types';

const summaries = new WeakMap<object, GuardedToolCalls>();

/**
 * What the guard did to a response returned by a patched client (`patchAnthropic`, `patchOpenAI`) or passed
 * to {@link guardToolCalls}.
 *
 * @returns the summary, or undefined for a response the guard has not seen.
 */
export function guardSummaryOf(response: object): GuardedToolCalls | undefined {
  return summaries.get(response);
}

function extract(response: object): { provider: ProviderShape; calls: ProposedCall[] } {
  if (isAnthropicMessage(response)) return { provider: 'anthropic', calls: anthropicToolCalls(response) };
  if (isChatCompletion(response)) return { provider: 'openai-chat', calls: chatCompletionToolCalls(response) };
  if (isResponsesResponse(response)) return { provider: 'openai-responses', calls: responseFunctionCalls(response) };
  throw new GuardInputError(
    'guardToolCalls got a response it does not recognise: expected an Anthropic Message (type "message"), an ' +
      'OpenAI ChatCompletion (a "choices" array) or an OpenAI Response (object "response"); pass the parsed ' +
      'response of a non-streaming call',
  );
}

function enforcedRules(result: GuardResult): string[] {
  return result.rulesTriggered.filter((hit) => hit.mode === 'enforce').map((hit) => hit.id);
}

function blockedText(tool: string, result: GuardResult): string {
  const rules = enforcedRules(result);
  const why = `${result.reason ?? 'blocked by policy'}${rules.length > 0 ? ` (rules: ${rules.join(', ')})` : ''}`;
  return `durable-guard blocked this call to ${tool}: ${why}. It did not run; do not retry it unchanged.`;
}

function pendingText(tool: string, result: GuardResult): string {
  const rules = enforcedRules(result);
  const detail = [
    `escalation ${result.escalationId ?? 'unknown'}`,
    ...(rules.length > 0 ? [`rules: ${rules.join(', ')}`] : []),
  ];
  return `durable-guard is holding this call to ${tool} for human approval (${detail.join('; ')}). It has not run yet.`;
}

/**
 * The guarded call's ID for one provider tool call: `${prefix}${toolCallId}-` and the first 16 hex digits of the
 * call's fingerprint, so that a provider ID replayed with other arguments names a new call instead of the first.
 *
 * @param prefix the `callIdPrefix` option
 * @param toolCallId the provider's ID of the tool call
 * @param call the tool, input and context that are guarded
 */
export function toolCallGuardId(prefix: string, toolCallId: string, call: FingerprintedCall): string {
  return `${prefix}${toolCallId}-${callFingerprint(call).slice(0, 16)}`;
}

function schemaFor(
  tool: string,
  schemas: GuardToolCallsOptions['toolSchemas'],
): { toolSchema?: Record<string, unknown> } {
  return schemas && Object.hasOwn(schemas, tool) ? { toolSchema: schemas[tool] as Record<string, unknown> } : {};
}

async function decide(call: ProposedCall, guard: ToolGuard, options: GuardToolCallsOptions): Promise<GuardResult> {
  if (call.input === undefined) {
    return { action: 'block', reason: call.problem ?? 'the call has no usable input', rulesTriggered: [] };
  }
  try {
    return await guard.check(call.tool, call.input, {
      waitForEscalation: options.waitForEscalation ?? true,
      ...(options.escalationTimeout !== undefined ? { escalationTimeout: options.escalationTimeout } : {}),
      ...(options.callIdPrefix !== undefined
        ? {
            callId: toolCallGuardId(options.callIdPrefix, call.toolCallId, {
              tool: call.tool,
              input: call.input,
              context: options.context,
            }),
          }
        : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      ...schemaFor(call.tool, options.toolSchemas),
    });
  } catch (err) {
    // Matched by name: the guard may come from another copy of this package.
    if (options.onUnavailable !== 'block' || (err as Error | undefined)?.name !== 'GuardUnavailable') throw err;
    const { message, callId } = err as GuardUnavailable;
    return {
      action: 'block',
      reason: message,
      rulesTriggered: [],
      ...(callId !== undefined ? { escalationId: callId } : {}),
    };
  }
}

/**
 * Guards every tool call the model proposed in `response`, concurrently, and changes the response IN PLACE so
 * that the agent loop only sees calls it may run:
 * - allow: unchanged;
 * - modify: the call's input is replaced by the guard's (OpenAI: `arguments` re-serialised);
 * - block: throws one `GuardBlocked` naming every blocked call, or with `onBlock: 'tool-result'` withholds the
 *   call and adds an error tool result for the model;
 * - escalate: waits for the human decision (default), or with `waitForEscalation: false` withholds the call
 *   and reports it in `pending`;
 * - guard unavailable (Temporal or every worker down): the `GuardUnavailable` propagates, or with
 *   `onUnavailable: 'block'` the call counts as blocked with reason `guard unavailable: ...`. Never an allow.
 *
 * Arguments that are not a JSON object (malformed JSON included) count as a block, without asking the guard.
 *
 * @param response a parsed non-streaming Anthropic Message, OpenAI ChatCompletion or OpenAI Response.
 * @param guard a `GuardClient`, or anything with a compatible `check`.
 * @returns what happened to each call, tool results for withheld calls, and the pending escalations.
 * @throws GuardBlocked when a call is blocked and `onBlock` is `'throw'` (the default).
 * @throws GuardInputError when `response` is not a recognised provider shape.
 * @throws GuardUnavailable when the guard could not decide a call and `onUnavailable` is `'throw'` (the default).
 */
export async function guardToolCalls(
  response: object,
  guard: ToolGuard,
  options: GuardToolCallsOptions = {},
): Promise<GuardedToolCalls> {
  const { provider, calls } = extract(response);
  const settled = await Promise.allSettled(calls.map((call) => decide(call, guard, options)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  // Every check has finished by now, so failing here leaves nothing running in the background.
  if (failed) throw failed.reason;
  const decided = calls.map((call, i) => ({
    call,
    result: (settled[i] as PromiseFulfilledResult<GuardResult>).value,
  }));

  const blocked: (BlockedCall & { call: ProposedCall; result: GuardResult })[] = [];
  const pending: (PendingToolCall & { call: ProposedCall; result: GuardResult })[] = [];
  for (const { call, result } of decided) {
    if (result.action === 'modify' && result.modifiedInput) call.rewrite(result.modifiedInput);
    if (result.action === 'block') {
      blocked.push({
        call,
        result,
        tool: call.tool,
        toolCallId: call.toolCallId,
        reason: result.reason ?? 'blocked by policy',
        rulesTriggered: result.rulesTriggered,
        ...(result.escalationId !== undefined ? { escalationId: result.escalationId } : {}),
      });
    }
    if (result.action === 'escalate') {
      pending.push({
        call,
        result,
        tool: call.tool,
        toolCallId: call.toolCallId,
        input: call.input ?? {},
        escalationId: result.escalationId ?? '',
      });
    }
  }

  const onBlock = options.onBlock ?? 'throw';
  if (blocked.length > 0 && onBlock === 'throw') {
    throw GuardBlocked.of(blocked.map(({ call: _call, result: _result, ...entry }) => entry));
  }

  const toolResults: ToolResultMessage[] = [];
  const withheld: unknown[] = [];
  for (const { call, result } of [...blocked, ...pending]) {
    withheld.push(call.withhold());
    toolResults.push(
      call.toolResult(result.action === 'block' ? blockedText(call.tool, result) : pendingText(call.tool, result)),
    );
  }

  const summary: GuardedToolCalls = {
    provider,
    results: decided.map(({ call, result }): GuardedToolCall => ({
      toolCallId: call.toolCallId,
      tool: call.tool,
      ...(call.input !== undefined ? { input: call.input } : {}),
      result,
    })),
    toolResults,
    pending: pending.map(({ call: _call, result: _result, ...entry }) => entry),
    blocked: blocked.map(({ call: _call, result: _result, ...entry }) => entry),
    withheld,
  };
  summaries.set(response, summary);
  return summary;
}
