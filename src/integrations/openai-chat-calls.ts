/** Tool calls of an OpenAI Chat Completions response: `choices[].message.tool_calls[]`. */
import { parseArguments, writeArguments } from './parse-arguments';
import { removeItem } from './remove-item';
import type { ProposedCall } from './types';

interface FunctionToolCall {
  id: string;
  type: string;
  function?: { name: string; arguments: unknown; parsed_arguments?: unknown };
}

/** The part of an OpenAI `ChatCompletion` the guard reads. */
export interface ChatCompletionLike {
  choices: { message: { tool_calls?: FunctionToolCall[] | null } }[];
}

/** True for a Chat Completions response (a `choices` array). */
export function isChatCompletion(value: unknown): value is ChatCompletionLike {
  const v = value as Partial<ChatCompletionLike> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.choices);
}

/**
 * The function tool calls of every choice, in order. Custom (free-text) tool calls carry no JSON input and
 * are not included.
 */
export function chatCompletionToolCalls(completion: ChatCompletionLike): ProposedCall[] {
  return completion.choices.flatMap(({ message }) =>
    (message.tool_calls ?? [])
      .filter((call) => call.type === 'function' && call.function !== undefined)
      .map((call): ProposedCall => {
        const fn = call.function!;
        const parsed = parseArguments(fn.arguments, `tool call '${fn.name}' (${call.id})`);
        return {
          toolCallId: call.id,
          tool: fn.name,
          ...parsed,
          rewrite(input) {
            writeArguments(fn, input);
          },
          withhold() {
            const calls = message.tool_calls;
            if (calls) {
              removeItem(calls, call);
              // The API refuses an assistant message whose `tool_calls` is an empty array.
              if (calls.length === 0) delete message.tool_calls;
            }
            return call;
          },
          toolResult(text) {
            return { role: 'tool', tool_call_id: call.id, content: text };
          },
        };
      }),
  );
}
