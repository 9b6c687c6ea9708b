import {
  anthropicToolCalls,
  isAnthropicMessage,
  type AnthropicMessageLike,
} from '../../../src/integrations/anthropic-calls';
import {
  chatCompletionToolCalls,
  isChatCompletion,
  type ChatCompletionLike,
} from '../../../src/integrations/openai-chat-calls';
import {
  isResponsesResponse,
  responseFunctionCalls,
  type ResponsesResponseLike,
} from '../../../src/integrations/openai-responses-calls';
import { loadFixture } from '../../fixtures/providers/load-fixture';

interface AnthropicFixture {
  type: 'message';
  content: { type: string; id?: string; name?: string; input?: unknown }[];
}
interface ChatFixture {
  choices: {
    message: { tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] };
  }[];
}
interface ResponsesFixture {
  object: 'response';
  output: { type: string; call_id?: string; arguments?: string }[];
}

describe('shape detection', () => {
  test.each([
    ['anthropic-order-tools', [true, false, false]],
    ['openai-chat-tools', [false, true, false]],
    ['openai-responses-tools', [false, false, true]],
  ])('%s is recognised as exactly one provider shape', (name, expected) => {
    const response = loadFixture(name);
    expect([isAnthropicMessage(response), isChatCompletion(response), isResponsesResponse(response)]).toEqual(expected);
  });

  test.each([[null], ['text'], [{}], [{ type: 'message' }], [{ object: 'response' }]])('%j is no shape', (v) => {
    expect([isAnthropicMessage(v), isChatCompletion(v), isResponsesResponse(v)]).toEqual([false, false, false]);
  });
});

describe('Anthropic tool_use blocks', () => {
  test('extracts every tool_use block in order with its input, skipping text blocks', () => {
    const message = loadFixture<AnthropicFixture>('anthropic-order-tools');
    const calls = anthropicToolCalls(message as AnthropicMessageLike);
    expect(calls.map((c) => [c.toolCallId, c.tool, c.input])).toEqual([
      ['toolu_01A09q90qw90lq917835lq9', 'lookup_order', { orderId: 'ord_8812' }],
      [
        'toolu_01BbQDDyH3Wu5PEcJ6HxAfFk',
        'send_email',
        { to: 'dana.kim@example.com', body: expect.stringContaining('4111') },
      ],
    ]);
  });

  test('rewrite replaces the input in the message; withhold removes only that block', () => {
    const message = loadFixture<AnthropicFixture>('anthropic-order-tools');
    const [lookup, email] = anthropicToolCalls(message as AnthropicMessageLike);
    email!.rewrite({ to: 'dana.kim@example.com', body: 'redacted' });
    expect(message.content[2]!.input).toEqual({ to: 'dana.kim@example.com', body: 'redacted' });
    const removed = lookup!.withhold();
    expect(removed).toMatchObject({ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9' });
    expect(message.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(message.content[1]!.id).toBe('toolu_01BbQDDyH3Wu5PEcJ6HxAfFk');
    lookup!.withhold();
    expect(message.content).toHaveLength(2);
  });

  test('toolResult is an error tool_result block for that tool_use', () => {
    const [call] = anthropicToolCalls(loadFixture('anthropic-refund-tool') as unknown as AnthropicMessageLike);
    expect(call!.toolResult('no')).toEqual({
      type: 'tool_result',
      tool_use_id: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
      content: 'no',
      is_error: true,
    });
  });

  test('a non-object input is a problem, not an input', () => {
    const [call] = anthropicToolCalls({
      type: 'message',
      content: [{ type: 'tool_use', id: 'toolu_x', name: 'x', input: 'oops' } as { type: string }],
    });
    expect(call!.input).toBeUndefined();
    expect(call!.problem).toContain("tool call 'x' (toolu_x)");
  });
});

describe('OpenAI Chat Completions tool_calls', () => {
  test('extracts function calls with decoded arguments; malformed JSON becomes a problem', () => {
    const completion = loadFixture<ChatFixture>('openai-chat-malformed');
    const calls = chatCompletionToolCalls(completion as ChatCompletionLike);
    expect(calls.map((c) => c.tool)).toEqual(['process_refund', 'lookup_order']);
    expect(calls[0]!.input).toBeUndefined();
    expect(calls[0]!.problem).toContain("tool call 'process_refund' (call_bQ4mVnJc1Y8rKx2sTz0pLw9E)");
    expect(calls[0]!.problem).toContain('not valid JSON');
    expect(calls[1]!.input).toEqual({ orderId: 'ord_8812' });
  });

  test('rewrite re-serialises arguments (and parsed_arguments when present)', () => {
    const completion = loadFixture<ChatFixture>('openai-chat-tools');
    const fn = completion.choices[0]!.message.tool_calls![1]!.function as {
      arguments: string;
      parsed_arguments?: unknown;
    };
    fn.parsed_arguments = JSON.parse(fn.arguments);
    const calls = chatCompletionToolCalls(completion as ChatCompletionLike);
    calls[1]!.rewrite({ to: 'x@example.com', redacted: true });
    expect(JSON.parse(fn.arguments)).toEqual({ to: 'x@example.com', redacted: true });
    expect(fn.parsed_arguments).toEqual({ to: 'x@example.com', redacted: true });
  });

  test('withholding every call deletes tool_calls (the API refuses an empty array)', () => {
    const completion = loadFixture<ChatFixture>('openai-chat-tools');
    const calls = chatCompletionToolCalls(completion as ChatCompletionLike);
    calls[2]!.withhold();
    expect(completion.choices[0]!.message.tool_calls!.map((c) => c.id)).toEqual([
      'call_9pw1qnYScqvGrCH58HWCvFH6',
      'call_Vr6ftUqCsafGoDGkU4CTEJtL',
    ]);
    calls[0]!.withhold();
    calls[1]!.withhold();
    expect(completion.choices[0]!.message).not.toHaveProperty('tool_calls');
  });

  test('toolResult is a tool message; custom tool calls are not extracted', () => {
    const completion: ChatCompletionLike = {
      choices: [
        {
          message: {
            tool_calls: [
              { id: 'call_c', type: 'custom' },
              { id: 'call_f', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
        },
        { message: { tool_calls: null } },
      ],
    };
    const calls = chatCompletionToolCalls(completion);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.toolResult('no')).toEqual({ role: 'tool', tool_call_id: 'call_f', content: 'no' });
  });
});

describe('OpenAI Responses function_call items', () => {
  test('extracts by call_id, rewrites arguments, withholds the item, answers with function_call_output', () => {
    const response = loadFixture<ResponsesFixture>('openai-responses-tools');
    const calls = responseFunctionCalls(response as ResponsesResponseLike);
    expect(calls.map((c) => [c.toolCallId, c.tool, c.input])).toEqual([
      ['call_12xhR4QkpnwPxaRk0Ib5OK1w', 'process_refund', { orderId: 'ord_8812', amount: 4200, currency: 'USD' }],
      [
        'call_aP5mKd8WvTq3LrN1sY7bXc2E',
        'send_email',
        { to: 'dana.kim@example.com', body: 'Your refund is on its way.' },
      ],
    ]);
    calls[1]!.rewrite({ to: 'dana.kim@example.com', redacted: true });
    expect(JSON.parse(response.output[1]!.arguments!)).toEqual({ to: 'dana.kim@example.com', redacted: true });
    calls[0]!.withhold();
    expect(response.output.map((o) => o.call_id)).toEqual(['call_aP5mKd8WvTq3LrN1sY7bXc2E']);
    expect(calls[0]!.toolResult('held')).toEqual({
      type: 'function_call_output',
      call_id: 'call_12xhR4QkpnwPxaRk0Ib5OK1w',
      output: 'held',
    });
  });
});
