/**
 * The provider integrations send each call with the schema its tool was given to the model, and the worker's real
 * PolicyEngine (policies/recommended.yaml) blocks an input that does not validate before any rule runs.
 */
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { guardSummaryOf, patchAnthropic, patchOpenAI, type PatchOptions } from '../../../src/integrations';
import { PolicyEngine } from '../../../src/policy';
import { workerForFile } from '../helpers';
import { startProviderServer } from './provider-server';

const engine = PolicyEngine.fromFiles([path.join(__dirname, '../../../policies/recommended.yaml')]);
const file = workerForFile('provider-tool-schemas', engine);
let provider: Awaited<ReturnType<typeof startProviderServer>>;
beforeAll(async () => {
  provider = await startProviderServer();
});
afterAll(async () => {
  await provider.close();
});

const options: PatchOptions = { onBlock: 'tool-result', waitForEscalation: false, escalationTimeout: '30s' };
const anthropicWith = (extra: PatchOptions = {}) =>
  patchAnthropic(new Anthropic({ baseURL: provider.anthropicURL, apiKey: 'test', maxRetries: 0 }), file.env.guard, {
    ...options,
    ...extra,
  });
const openaiClient = () =>
  patchOpenAI(new OpenAI({ baseURL: provider.openaiURL, apiKey: 'test', maxRetries: 0 }), file.env.guard, options);
const refundSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    orderId: { type: 'string', pattern: '^ord_[0-9]+$' },
    amount: { type: 'number', maximum: 1000 },
    currency: { type: 'string', enum: ['USD', 'EUR'] },
  },
  required: ['orderId', 'amount'],
  additionalProperties: false,
};
const lookupSchema = {
  type: 'object',
  properties: { orderId: { type: 'string' } },
  required: ['orderId'],
  additionalProperties: false,
};

test('Anthropic: an input over the input_schema maximum is blocked with the validator message', async () => {
  const anthropic = anthropicWith();
  provider.reply('/v1/messages', 'anthropic-refund-tool');
  const response = await anthropic.messages.create({
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 1024,
    tools: [
      { name: 'process_refund', description: 'Refund an order', input_schema: refundSchema as never },
      // A provider tool without a schema of ours: nothing is attached for it.
      { type: 'bash_20250124', name: 'bash' },
    ],
    messages: [{ role: 'user', content: 'Refund ord_8812.' }],
  });
  const summary = guardSummaryOf(response);
  expect(summary?.results[0]?.result).toMatchObject({
    action: 'block',
    reason: expect.stringContaining('the schema the model was given: /amount must be <= 1000'),
    rulesTriggered: [{ id: 'tool-schema', action: 'block', mode: 'enforce' }],
  });
  expect(response.content.some((block) => block.type === 'tool_use')).toBe(false);
});

test('Anthropic: without attachToolSchemas the same call reaches the rules (over 1000 escalates)', async () => {
  const anthropic = anthropicWith({ attachToolSchemas: false });
  provider.reply('/v1/messages', 'anthropic-refund-tool');
  const response = await anthropic.messages.create({
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 1024,
    tools: [{ name: 'process_refund', input_schema: refundSchema as never }],
    messages: [{ role: 'user', content: 'Refund ord_8812.' }],
  });
  const result = guardSummaryOf(response)?.results[0]?.result;
  expect(result?.action).toBe('escalate');
  expect(result?.rulesTriggered.map((hit) => hit.id)).not.toContain('tool-schema');
});

test('OpenAI Chat: function.parameters refuse an unknown key; valid calls run their rules', async () => {
  const openai = openaiClient();
  provider.reply('/v1/chat/completions', 'openai-chat-tools');
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o',
    tools: [
      { type: 'function', function: { name: 'lookup_order', parameters: lookupSchema } },
      {
        type: 'function',
        function: {
          name: 'run_shell',
          parameters: { type: 'object', properties: { command: { type: 'string' } }, additionalProperties: false },
        },
      },
    ],
    messages: [{ role: 'user', content: 'Order ord_8812: update the customer.' }],
  });
  const results = guardSummaryOf(completion)?.results.map((r) => [r.tool, r.result.action, r.result.reason]);
  expect(results?.[0]).toEqual(['lookup_order', 'allow', expect.any(String)]);
  expect(results?.[1]?.[1]).toBe('allow');
  expect(results?.[2]).toEqual([
    'run_shell',
    'block',
    expect.stringContaining("the schema the model was given: unknown key 'cmd' at /"),
  ]);
  const left = completion.choices[0]?.message.tool_calls?.map((call) => (call as { id: string }).id);
  expect(left).toHaveLength(2);
});

test('OpenAI Responses: tools[].parameters are attached; a missing required key is blocked', async () => {
  const openai = openaiClient();
  provider.reply('/v1/responses', 'openai-responses-tools');
  const response = await openai.responses.create({
    model: 'gpt-4.1',
    tools: [
      {
        type: 'function',
        name: 'process_refund',
        strict: false,
        parameters: { ...refundSchema, required: ['orderId', 'amount', 'reason'] },
      },
      { type: 'web_search' },
    ],
    input: 'Refund ord_8812 and tell the customer.',
  });
  const refund = guardSummaryOf(response)?.results.find((r) => r.tool === 'process_refund')?.result;
  expect(refund).toMatchObject({
    action: 'block',
    reason: expect.stringContaining("missing required key 'reason' at /"),
  });
  expect(guardSummaryOf(response)?.results.find((r) => r.tool === 'send_email')?.result.action).toBe('allow');
});
