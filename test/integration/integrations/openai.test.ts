import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import type { GuardBlocked } from '../../../src/client';
import {
  guardSummaryOf,
  guardToolCalls,
  patchOpenAI,
  toolCallGuardId,
  type PatchOptions,
} from '../../../src/integrations';
import { waitFor } from '../helpers';
import { countedTools, providerTestFile } from './guard-decider';

const setup = providerTestFile('openai-integration');
const { decider } = setup;

const newOpenAI = () => new OpenAI({ baseURL: setup.provider.openaiURL, apiKey: 'test', maxRetries: 0 });

function guardedOpenAI(options: PatchOptions = {}) {
  return patchOpenAI(newOpenAI(), setup.env.guard, { escalationTimeout: '30s', ...options });
}

/** The refund the fixtures' model proposes, as the guard sees it (its ID carries its fingerprint). */
const refundCall = { tool: 'process_refund', input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' } };
const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Order ord_8812: update the customer.' };
const chat = (messages: OpenAI.ChatCompletionMessageParam[]) => ({ model: 'gpt-4o', messages });

/** The agent loop under test: runs every function tool call the (guarded) completion still holds. */
function runChatTools(
  completion: OpenAI.ChatCompletion,
  tools: ReturnType<typeof countedTools>,
): OpenAI.ChatCompletionToolMessageParam[] {
  return (completion.choices[0]!.message.tool_calls ?? [])
    .filter((call): call is OpenAI.ChatCompletionMessageFunctionToolCall => call.type === 'function')
    .map((call) => ({
      role: 'tool',
      tool_call_id: call.id,
      content: tools.run(call.function.name, JSON.parse(call.function.arguments) as Record<string, unknown>),
    }));
}

describe('Chat Completions', () => {
  test('a block throws GuardBlocked and nothing runs', async () => {
    const openai = guardedOpenAI();
    const tools = countedTools();
    setup.provider.reply('/v1/chat/completions', 'openai-chat-tools');
    const err = (await openai.chat.completions
      .create(chat([question]))
      .then((completion) => runChatTools(completion, tools))
      .catch((e: unknown) => e)) as GuardBlocked;
    expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'run_shell', reason: 'rm -rf is not allowed' });
    expect(err.blocked).toEqual([
      expect.objectContaining({
        tool: 'run_shell',
        toolCallId: 'call_L3b6ZgtV9fEGsSr3vB7vjMra',
        rulesTriggered: [{ id: 'no-rm-rf', action: 'block', mode: 'enforce' }],
      }),
    ]);
    expect(tools.ran).toEqual([]);
  });

  test('tool-result mode: modified arguments are re-serialised, the block answered by a tool message', async () => {
    const openai = guardedOpenAI({ onBlock: 'tool-result' });
    const tools = countedTools();
    setup.provider.reply('/v1/chat/completions', 'openai-chat-tools', 'openai-chat-final-answer');
    const first = await openai.chat.completions.create(chat([question]));
    const message = first.choices[0]!.message;
    const email = message.tool_calls!.find((c) => c.id === 'call_Vr6ftUqCsafGoDGkU4CTEJtL');
    expect(email?.type === 'function' && JSON.parse(email.function.arguments)).toEqual({
      to: 'dana.kim@example.com',
      body: 'Your order ord_8812 has shipped.',
      redacted: true,
    });
    const own = runChatTools(first, tools);
    expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order', 'send_email']);
    const summary = guardSummaryOf(first)!;
    expect(summary.toolResults).toEqual([
      {
        role: 'tool',
        tool_call_id: 'call_L3b6ZgtV9fEGsSr3vB7vjMra',
        content: expect.stringContaining('blocked this call to run_shell: rm -rf is not allowed'),
      },
    ]);
    const assistant: OpenAI.ChatCompletionAssistantMessageParam = {
      role: 'assistant',
      content: message.content,
      tool_calls: [...message.tool_calls!, ...(summary.withheld as OpenAI.ChatCompletionMessageToolCall[])],
    };
    const final = await openai.chat.completions.create(
      chat([question, assistant, ...own, ...(summary.toolResults as OpenAI.ChatCompletionToolMessageParam[])]),
    );
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order', 'send_email']);
  });

  test('malformed arguments are a block with a clear reason, never a SyntaxError, never sent to the guard', async () => {
    const seen = decider.calls.length;
    const openai = guardedOpenAI();
    setup.provider.reply('/v1/chat/completions', 'openai-chat-malformed');
    const err = (await openai.chat.completions.create(chat([question])).catch((e: unknown) => e)) as GuardBlocked;
    expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'process_refund', rulesTriggered: [] });
    expect(err.message).toContain(
      "the arguments of tool call 'process_refund' (call_bQ4mVnJc1Y8rKx2sTz0pLw9E) are not valid JSON",
    );
    expect(decider.calls.slice(seen).map((c) => c.tool)).toEqual(['lookup_order']);

    const tolerant = guardedOpenAI({ onBlock: 'tool-result' });
    const tools = countedTools();
    setup.provider.reply('/v1/chat/completions', 'openai-chat-malformed');
    const completion = await tolerant.chat.completions.create(chat([question]));
    runChatTools(completion, tools);
    expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order']);
    expect(guardSummaryOf(completion)?.toolResults).toEqual([
      expect.objectContaining({
        tool_call_id: 'call_bQ4mVnJc1Y8rKx2sTz0pLw9E',
        content: expect.stringContaining('not valid JSON'),
      }),
    ]);
  });

  test('guardToolCalls guards a completion from an unpatched client the same way', async () => {
    setup.provider.reply('/v1/chat/completions', 'openai-chat-tools');
    const completion = await newOpenAI().chat.completions.create(chat([question]));
    const summary = await guardToolCalls(completion, setup.env.guard, { onBlock: 'tool-result' });
    expect(summary.results.map((r) => [r.tool, r.result.action])).toEqual([
      ['lookup_order', 'allow'],
      ['send_email', 'modify'],
      ['run_shell', 'block'],
    ]);
    expect(completion.choices[0]!.message.tool_calls!.map((c) => c.id)).toEqual([
      'call_9pw1qnYScqvGrCH58HWCvFH6',
      'call_Vr6ftUqCsafGoDGkU4CTEJtL',
    ]);
  });
});

describe('Responses API', () => {
  test('an escalated function_call waits for the approval racing in; the modify is re-serialised', async () => {
    const callIdPrefix = `resp-${randomUUID().slice(0, 8)}-`;
    const openai = guardedOpenAI({ callIdPrefix });
    const tools = countedTools();
    setup.provider.reply('/v1/responses', 'openai-responses-tools');
    const escalationId = toolCallGuardId(callIdPrefix, 'call_12xhR4QkpnwPxaRk0Ib5OK1w', refundCall);
    const guarded = openai.responses.create({ model: 'gpt-4.1', input: 'Refund order ord_8812 and tell Dana.' });
    await waitFor(async () =>
      (await setup.env.guard.status(escalationId)).status === 'pending-approval' ? true : undefined,
    );
    await setup.env.guard.approve(escalationId, { by: 'alice', groups: ['finance'] });
    const response = await guarded;
    for (const item of response.output) {
      if (item.type === 'function_call') tools.run(item.name, JSON.parse(item.arguments) as Record<string, unknown>);
    }
    expect(tools.ran).toEqual([
      { tool: 'process_refund', input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' } },
      { tool: 'send_email', input: { to: 'dana.kim@example.com', body: 'Your refund is on its way.', redacted: true } },
    ]);
    expect(guardSummaryOf(response)?.results.map((r) => r.result.decidedBy?.kind)).toEqual(['human', 'policy']);
  });

  test('a denial while waiting blocks the refund: it is withheld and answered by function_call_output', async () => {
    const callIdPrefix = `resp-${randomUUID().slice(0, 8)}-`;
    const openai = guardedOpenAI({ callIdPrefix, onBlock: 'tool-result' });
    setup.provider.reply('/v1/responses', 'openai-responses-tools');
    const escalationId = toolCallGuardId(callIdPrefix, 'call_12xhR4QkpnwPxaRk0Ib5OK1w', refundCall);
    const guarded = openai.responses.create({ model: 'gpt-4.1', input: 'Refund order ord_8812.' });
    await waitFor(async () =>
      (await setup.env.guard.status(escalationId)).status === 'pending-approval' ? true : undefined,
    );
    await setup.env.guard.deny(escalationId, { by: 'bob', reason: 'over budget', groups: ['finance'] });
    const response = await guarded;
    expect(response.output.map((o) => (o.type === 'function_call' ? o.name : o.type))).toEqual(['send_email']);
    expect(guardSummaryOf(response)?.toolResults).toEqual([
      {
        type: 'function_call_output',
        call_id: 'call_12xhR4QkpnwPxaRk0Ib5OK1w',
        output: expect.stringContaining('blocked this call to process_refund: over budget'),
      },
    ]);
  });
});
