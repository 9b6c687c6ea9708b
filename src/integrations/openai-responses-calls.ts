/** Tool calls of an OpenAI Responses API response: `output[]` items of type `function_call`. */
import { parseArguments, writeArguments } from './parse-arguments';
import { removeItem } from './remove-item';
import type { ProposedCall } from './types';

interface FunctionCallItem {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: unknown;
  parsed_arguments?: unknown;
}

/** The part of an OpenAI Responses API `Response` the guard reads. */
export interface ResponsesResponseLike {
  object: 'response';
  output: { type: string }[];
}

/** True for a Responses API response (`object: 'response'` with an `output` array). */
export function isResponsesResponse(value: unknown): value is ResponsesResponseLike {
  const v = value as Partial<ResponsesResponseLike> | null;
  return typeof v === 'object' && v !== null && v.object === 'response' && Array.isArray(v.output);
}

function isFunctionCall(item: { type: string }): item is FunctionCallItem {
  return item.type === 'function_call';
}

/**
 * The `function_call` items of a response, in order. Hosted tools (web search, file search, ...) run at
 * OpenAI and custom tool calls carry no JSON input: they are not included.
 */
export function responseFunctionCalls(response: ResponsesResponseLike): ProposedCall[] {
  return response.output.filter(isFunctionCall).map((item) => {
    const parsed = parseArguments(item.arguments, `tool call '${item.name}' (${item.call_id})`);
    return {
      toolCallId: item.call_id,
      tool: item.name,
      ...parsed,
      rewrite(input) {
        writeArguments(item, input);
      },
      withhold() {
        removeItem(response.output, item);
        return item;
      },
      toolResult(text) {
        return { type: 'function_call_output', call_id: item.call_id, output: text };
      },
    };
  });
}
