/** Tool calls of an Anthropic Messages response: `tool_use` content blocks. */
import { checkInput } from './parse-arguments';
import { removeItem } from './remove-item';
import type { ProposedCall } from './types';

/** The part of an Anthropic `Message` the guard reads. */
export interface AnthropicMessageLike {
  type: 'message';
  content: { type: string }[];
}

interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

/** True for an Anthropic Messages response (`type: 'message'` with a `content` array). */
export function isAnthropicMessage(value: unknown): value is AnthropicMessageLike {
  const v = value as Partial<AnthropicMessageLike> | null;
  return typeof v === 'object' && v !== null && v.type === 'message' && Array.isArray(v.content);
}

function isToolUse(block: { type: string }): block is ToolUseBlock {
  return block.type === 'tool_use';
}

/**
 * The `tool_use` blocks of a message, in order. Server tools (`server_tool_use`) run at Anthropic, not in the
 * agent loop, so they are not included.
 */
export function anthropicToolCalls(message: AnthropicMessageLike): ProposedCall[] {
  return message.content.filter(isToolUse).map((block) => {
    const parsed = checkInput(block.input, `tool call '${block.name}' (${block.id})`);
    return {
      toolCallId: block.id,
      tool: block.name,
      ...parsed,
      rewrite(input) {
        block.input = input;
      },
      withhold() {
        removeItem(message.content, block);
        return block;
      },
      toolResult(text) {
        return { type: 'tool_result', tool_use_id: block.id, content: text, is_error: true };
      },
    };
  });
}
