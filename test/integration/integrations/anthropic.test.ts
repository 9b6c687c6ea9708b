import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import type { GuardBlocked } from '../../../src/client';
import { guardSummaryOf, patchAnthropic, toolCallGuardId, type PatchOptions } from '../../../src/integrations';
import { waitFor } from '../helpers';
import { countedTools, providerTestFile } from './guard-decider';

const setup = providerTestFile('anthropic-integration');
const { decider } = setup;

function guardedAnthropic(options: PatchOptions = {}) {
  return patchAnthropic(
    new Anthropic({ baseURL: setup.provider.anthropicURL, apiKey: 'test', maxRetries: 0 }),
    setup.env.guard,
    {
      escalationTimeout: '30s',
      ...options,
    },
  );
}

const request = (messages: Anthropic.MessageParam[]): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 1024,
  messages,
});

/** The refund the fixtures' model proposes, as the guard sees it (its ID carries its fingerprint). */
const refundCall = { tool: 'process_refund', input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' } };
const question: Anthropic.MessageParam = { role: 'user', content: 'Order ord_8812 arrived damaged. Sort it out.' };

/** The agent loop under test: runs every tool_use the (guarded) response still holds. */
function runTools(
  response: Anthropic.Message,
  tools: ReturnType<typeof countedTools>,
): Anthropic.ToolResultBlockParam[] {
  return response.content
    .filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')
    .map((block) => ({
      type: 'tool_result',
      tool_use_id: block.id,
      content: tools.run(block.name, block.input as Record<string, unknown>),
    }));
}

test('modify rewrites the tool_use input the agent loop sees and sends back', async () => {
  const anthropic = guardedAnthropic();
  const tools = countedTools();
  setup.provider.reply('/v1/messages', 'anthropic-order-tools', 'anthropic-final-answer');
  const first = await anthropic.messages.create(request([question]));
  const email = first.content.find((b) => b.type === 'tool_use' && b.name === 'send_email') as Anthropic.ToolUseBlock;
  expect(email.input).toEqual({
    to: 'dana.kim@example.com',
    body: expect.stringContaining('4111'),
    redacted: true,
  });
  const results = runTools(first, tools);
  expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order', 'send_email']);
  expect(tools.ran[1]!.input).toMatchObject({ redacted: true });
  expect(guardSummaryOf(first)?.results.map((r) => r.result.action)).toEqual(['allow', 'modify']);

  const final = await anthropic.messages.create(
    request([question, { role: 'assistant', content: first.content }, { role: 'user', content: results }]),
  );
  expect(final.stop_reason).toBe('end_turn');
  const sent = setup.provider.requests.at(-1)!.body.messages as { content: { input?: unknown }[] }[];
  expect(sent[1]!.content[2]!.input).toMatchObject({ redacted: true });
});

test('blocked calls throw one GuardBlocked naming each tool and rule; no tool of the turn runs', async () => {
  const anthropic = guardedAnthropic();
  const tools = countedTools();
  setup.provider.reply('/v1/messages', 'anthropic-dangerous-tools');
  const err = (await anthropic.messages
    .create(request([question]))
    .then((response) => runTools(response, tools))
    .catch((e: unknown) => e)) as GuardBlocked;
  expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'run_shell', reason: 'rm -rf is not allowed' });
  expect(err.blocked.map((b) => [b.tool, b.toolCallId, b.rulesTriggered.map((r) => r.id)])).toEqual([
    ['run_shell', 'toolu_01NRLabsLyVHZPKxbKvkfSMn', ['no-rm-rf']],
    ['execute_sql', 'toolu_01QJ9bmuBBMbJmDyaRgq3rEn', ['no-ddl', 'sql-review']],
  ]);
  expect(err.message).toContain("tool 'run_shell' blocked: rm -rf is not allowed (rules: no-rm-rf)");
  expect(err.message).toContain("tool 'execute_sql' blocked: DDL is not allowed");
  expect(err.blocked[0]!.escalationId).toBeDefined();
  expect(tools.ran).toEqual([]);
});

test("onBlock 'tool-result': blocked calls never run, the model gets error tool_results it accepts", async () => {
  const anthropic = guardedAnthropic({ onBlock: 'tool-result' });
  const tools = countedTools();
  setup.provider.reply('/v1/messages', 'anthropic-dangerous-tools', 'anthropic-final-answer');
  const first = await anthropic.messages.create(request([question]));
  const summary = guardSummaryOf(first)!;
  const own = runTools(first, tools);
  expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order']);
  expect(summary.toolResults).toEqual([
    {
      type: 'tool_result',
      tool_use_id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn',
      is_error: true,
      content: expect.stringContaining('blocked this call to run_shell: rm -rf is not allowed (rules: no-rm-rf)'),
    },
    {
      type: 'tool_result',
      tool_use_id: 'toolu_01QJ9bmuBBMbJmDyaRgq3rEn',
      is_error: true,
      content: expect.stringContaining('DDL is not allowed (rules: no-ddl)'),
    },
  ]);
  const toolResults = [...own, ...(summary.toolResults as Anthropic.ToolResultBlockParam[])];

  // Without the withheld tool_use blocks the API refuses results that answer nothing.
  setup.provider.reply('/v1/messages');
  await expect(
    anthropic.messages.create(
      request([question, { role: 'assistant', content: first.content }, { role: 'user', content: toolResults }]),
    ),
  ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('unexpected `tool_use_id`') });

  const assistant = [...first.content, ...(summary.withheld as Anthropic.ContentBlock[])];
  const final = await anthropic.messages.create(
    request([question, { role: 'assistant', content: assistant }, { role: 'user', content: toolResults }]),
  );
  expect(final.stop_reason).toBe('end_turn');
  expect(tools.ran.map((r) => r.tool)).toEqual(['lookup_order']);
});

test('an escalation waits; an approval with edits racing in rewrites the refund; a re-run reuses it', async () => {
  const callIdPrefix = `agent-${randomUUID().slice(0, 8)}-`;
  const anthropic = guardedAnthropic({ callIdPrefix });
  const tools = countedTools();
  setup.provider.reply('/v1/messages', 'anthropic-refund-tool');
  const escalationId = toolCallGuardId(callIdPrefix, 'toolu_01D7FLrfh4GYq7yT1ULFeyMV', refundCall);
  const guarded = anthropic.messages.create(request([question]));
  await waitFor(async () =>
    (await setup.env.guard.status(escalationId)).status === 'pending-approval' ? true : undefined,
  );
  const approval = await setup.env.guard.approve(escalationId, {
    by: 'alice',
    groups: ['finance'],
    modifiedInput: { orderId: 'ord_8812', amount: 1000, currency: 'USD' },
  });
  expect(approval.action).toBe('modify');
  const response = await guarded;
  runTools(response, tools);
  expect(tools.ran).toEqual([
    { tool: 'process_refund', input: { orderId: 'ord_8812', amount: 1000, currency: 'USD' } },
  ]);
  expect(guardSummaryOf(response)?.results[0]?.result).toMatchObject({
    action: 'modify',
    escalationId,
    decidedBy: { kind: 'human', identity: 'alice' },
  });

  const decisions = decider.calls.filter((c) => c.tool === 'process_refund').length;
  setup.provider.reply('/v1/messages', 'anthropic-refund-tool');
  const rerun = await anthropic.messages.create(request([question]));
  expect((rerun.content[1] as Anthropic.ToolUseBlock).input).toEqual({
    orderId: 'ord_8812',
    amount: 1000,
    currency: 'USD',
  });
  expect(decider.calls.filter((c) => c.tool === 'process_refund')).toHaveLength(decisions);
});

test('waitForEscalation false: the call is held back and reported pending with its escalationId', async () => {
  const callIdPrefix = `agent-${randomUUID().slice(0, 8)}-`;
  const anthropic = guardedAnthropic({ callIdPrefix, waitForEscalation: false });
  const tools = countedTools();
  setup.provider.reply('/v1/messages', 'anthropic-refund-tool');
  const response = await anthropic.messages.create(request([question]));
  runTools(response, tools);
  expect(tools.ran).toEqual([]);
  expect(response.content.map((b) => b.type)).toEqual(['text']);
  const escalationId = toolCallGuardId(callIdPrefix, 'toolu_01D7FLrfh4GYq7yT1ULFeyMV', refundCall);
  expect(guardSummaryOf(response)?.pending).toEqual([
    {
      toolCallId: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
      tool: 'process_refund',
      input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' },
      escalationId,
    },
  ]);
  expect((await setup.env.guard.status(escalationId)).status).toBe('pending-approval');
  await setup.env.guard.deny(escalationId, { by: 'bob', reason: 'over budget', groups: ['finance'] });
  expect(await setup.env.guard.waitForResult(escalationId)).toMatchObject({ action: 'block', reason: 'over budget' });
});

test('withResponse() still works on a patched client; streaming is refused unless passed through', async () => {
  const anthropic = guardedAnthropic();
  setup.provider.reply('/v1/messages', 'anthropic-order-tools');
  const { data, response } = await anthropic.messages.create(request([question])).withResponse();
  expect(response.status).toBe(200);
  expect(guardSummaryOf(data)?.results).toHaveLength(2);
  const before = setup.provider.requests.length;
  await expect(async () => anthropic.messages.create({ ...request([question]), stream: true })).rejects.toMatchObject({
    name: 'GuardInputError',
    message: expect.stringContaining('cannot guard a streamed response'),
  });
  expect(setup.provider.requests.length).toBe(before);
});
