import type { CheckOptions } from '../../../src/client';
import { guardSummaryOf, guardToolCalls, toolCallGuardId, type ToolGuard } from '../../../src/integrations';
import type { GuardResult } from '../../../src/workflows/definitions';
import { loadFixture } from '../../fixtures/providers/load-fixture';

/** A guard built small: fixed results per tool; every check waits until `release()` so concurrency shows. */
function tableGuard(table: Record<string, GuardResult>) {
  const checks: { tool: string; input: Record<string, unknown>; options?: CheckOptions }[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const guard: ToolGuard = {
    async check(tool, input, options) {
      checks.push({ tool, input, options });
      await gate;
      return table[tool] ?? { action: 'allow', rulesTriggered: [], escalationId: `guard-${tool}` };
    },
  };
  return { guard, checks, release };
}

const block = (reason: string, rule: string): GuardResult => ({
  action: 'block',
  reason,
  rulesTriggered: [{ id: rule, action: 'block', mode: 'enforce' }],
  escalationId: `guard-${rule}`,
});

interface Message {
  content: { type: string; id?: string; name?: string; input?: Record<string, unknown> }[];
}

test('every call is checked concurrently: all checks start before any answer', async () => {
  const { guard, checks, release } = tableGuard({});
  const message = loadFixture('anthropic-dangerous-tools');
  const done = guardToolCalls(message, guard);
  await new Promise((r) => setImmediate(r));
  expect(checks.map((c) => c.tool)).toEqual(['run_shell', 'execute_sql', 'lookup_order']);
  release();
  const summary = await done;
  expect(summary.results.map((r) => r.result.action)).toEqual(['allow', 'allow', 'allow']);
  expect(summary.provider).toBe('anthropic');
});

test('check options: waitForEscalation defaults to true; callId is prefix + tool call ID + fingerprint; context passes', async () => {
  const { guard, checks, release } = tableGuard({});
  release();
  await guardToolCalls(loadFixture('anthropic-refund-tool'), guard, {
    callIdPrefix: 'agent-7-',
    escalationTimeout: '2m',
    context: { agent: 'support-bot' },
  });
  expect(checks[0]!.options).toEqual({
    waitForEscalation: true,
    escalationTimeout: '2m',
    callId: toolCallGuardId('agent-7-', 'toolu_01D7FLrfh4GYq7yT1ULFeyMV', {
      tool: 'process_refund',
      input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' },
      context: { agent: 'support-bot' },
    }),
    context: { agent: 'support-bot' },
  });
  await guardToolCalls(loadFixture('anthropic-refund-tool'), guard, { waitForEscalation: false });
  expect(checks[1]!.options).toEqual({ waitForEscalation: false });
});

test('a provider tool call ID replayed with other arguments gets another callId; the same call the same one', async () => {
  const { guard, checks, release } = tableGuard({});
  release();
  const replayed = loadFixture<Message>('anthropic-refund-tool');
  const refund = replayed.content.find((block) => block.type === 'tool_use')!;
  await guardToolCalls(loadFixture('anthropic-refund-tool'), guard, { callIdPrefix: 'agent-7-' });
  await guardToolCalls(loadFixture('anthropic-refund-tool'), guard, { callIdPrefix: 'agent-7-' });
  refund.input = { ...refund.input, amount: 99_999 };
  await guardToolCalls(replayed, guard, { callIdPrefix: 'agent-7-' });
  const [first, again, changed] = checks.map((c) => c.options?.callId);
  expect(first).toMatch(/^agent-7-toolu_01D7FLrfh4GYq7yT1ULFeyMV-[0-9a-f]{16}$/);
  expect(again).toBe(first);
  expect(changed).toMatch(/^agent-7-toolu_01D7FLrfh4GYq7yT1ULFeyMV-[0-9a-f]{16}$/);
  expect(changed).not.toBe(first);
});

test('modify rewrites the input in place; the summary keeps what the model proposed', async () => {
  const { guard, release } = tableGuard({
    send_email: { action: 'modify', modifiedInput: { to: 'dana.kim@example.com', body: '[card]' }, rulesTriggered: [] },
  });
  release();
  const message = loadFixture<Message>('anthropic-order-tools');
  const summary = await guardToolCalls(message, guard);
  expect(message.content[2]!.input).toEqual({ to: 'dana.kim@example.com', body: '[card]' });
  expect(summary.results[1]!.input).toMatchObject({ body: expect.stringContaining('4111') });
  expect(summary.toolResults).toEqual([]);
  expect(guardSummaryOf(message)).toBe(summary);
});

test('several blocks throw one GuardBlocked naming all of them, with every rule', async () => {
  const { guard, release } = tableGuard({
    run_shell: block('rm -rf is not allowed', 'no-rm-rf'),
    execute_sql: block('DDL is not allowed', 'no-ddl'),
  });
  release();
  const message = loadFixture<Message>('anthropic-dangerous-tools');
  const err = await guardToolCalls(message, guard).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'run_shell', reason: 'rm -rf is not allowed' });
  const blocked = (err as { blocked: unknown[] }).blocked;
  expect(blocked).toEqual([
    {
      tool: 'run_shell',
      reason: 'rm -rf is not allowed',
      rulesTriggered: [{ id: 'no-rm-rf', action: 'block', mode: 'enforce' }],
      toolCallId: 'toolu_01NRLabsLyVHZPKxbKvkfSMn',
      escalationId: 'guard-no-rm-rf',
    },
    {
      tool: 'execute_sql',
      reason: 'DDL is not allowed',
      rulesTriggered: [{ id: 'no-ddl', action: 'block', mode: 'enforce' }],
      toolCallId: 'toolu_01QJ9bmuBBMbJmDyaRgq3rEn',
      escalationId: 'guard-no-ddl',
    },
  ]);
  expect((err as Error).message).toBe(
    "2 tool calls blocked: tool 'run_shell' blocked: rm -rf is not allowed (rules: no-rm-rf); " +
      "tool 'execute_sql' blocked: DDL is not allowed (rules: no-ddl)",
  );
});

test("onBlock 'tool-result' withholds blocked calls and answers each with an error tool result", async () => {
  const { guard, release } = tableGuard({ run_shell: block('rm -rf is not allowed', 'no-rm-rf') });
  release();
  const message = loadFixture<Message>('anthropic-dangerous-tools');
  const summary = await guardToolCalls(message, guard, { onBlock: 'tool-result' });
  expect(message.content.filter((b) => b.type === 'tool_use').map((b) => b.name)).toEqual([
    'execute_sql',
    'lookup_order',
  ]);
  expect(summary.withheld).toEqual([expect.objectContaining({ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn' })]);
  expect(summary.toolResults).toEqual([
    {
      type: 'tool_result',
      tool_use_id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn',
      is_error: true,
      content:
        'durable-guard blocked this call to run_shell: rm -rf is not allowed (rules: no-rm-rf). ' +
        'It did not run; do not retry it unchanged.',
    },
  ]);
  expect(summary.blocked.map((b) => b.toolCallId)).toEqual(['toolu_01NRLabsLyVHZPKxbKvkfSMn']);
});

test('an escalation not waited for is withheld and reported pending with its escalationId', async () => {
  const { guard, release } = tableGuard({
    process_refund: {
      action: 'escalate',
      reason: 'refund over 1000',
      rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
      escalationId: 'agent-7-toolu_01D7FLrfh4GYq7yT1ULFeyMV',
    },
  });
  release();
  const message = loadFixture<Message>('anthropic-refund-tool');
  const summary = await guardToolCalls(message, guard, { waitForEscalation: false });
  expect(message.content.map((b) => b.type)).toEqual(['text']);
  expect(summary.pending).toEqual([
    {
      toolCallId: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
      tool: 'process_refund',
      input: { orderId: 'ord_8812', amount: 4200, currency: 'USD' },
      escalationId: 'agent-7-toolu_01D7FLrfh4GYq7yT1ULFeyMV',
    },
  ]);
  expect(summary.toolResults).toEqual([
    expect.objectContaining({
      tool_use_id: 'toolu_01D7FLrfh4GYq7yT1ULFeyMV',
      content:
        'durable-guard is holding this call to process_refund for human approval ' +
        '(escalation agent-7-toolu_01D7FLrfh4GYq7yT1ULFeyMV; rules: big-refund). It has not run yet.',
    }),
  ]);
});

test('malformed arguments block without asking the guard and never throw a SyntaxError', async () => {
  const { guard, checks, release } = tableGuard({});
  release();
  const err = await guardToolCalls(loadFixture('openai-chat-malformed'), guard).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'process_refund', rulesTriggered: [] });
  expect((err as Error).message).toContain('not valid JSON');
  expect(checks.map((c) => c.tool)).toEqual(['lookup_order']);

  const completion = loadFixture<{ choices: { message: { tool_calls: { id: string }[] } }[] }>('openai-chat-malformed');
  const summary = await guardToolCalls(completion, guard, { onBlock: 'tool-result' });
  expect(completion.choices[0]!.message.tool_calls.map((c) => c.id)).toEqual(['call_hT7nXc2Wq5RzLm8vB3kYs6Dp']);
  expect(summary.toolResults).toEqual([
    {
      role: 'tool',
      tool_call_id: 'call_bQ4mVnJc1Y8rKx2sTz0pLw9E',
      content: expect.stringContaining('are not valid JSON'),
    },
  ]);
  expect(summary.results[0]).toEqual({
    toolCallId: 'call_bQ4mVnJc1Y8rKx2sTz0pLw9E',
    tool: 'process_refund',
    result: { action: 'block', reason: expect.stringContaining('not valid JSON'), rulesTriggered: [] },
  });
});

test('a failing check rejects with its own error once every check has settled', async () => {
  let settled = 0;
  const guard: ToolGuard = {
    async check(tool) {
      if (tool === 'run_shell') throw new Error('Temporal is unreachable');
      await new Promise((r) => setTimeout(r, 20));
      settled += 1;
      return { action: 'allow', rulesTriggered: [] };
    },
  };
  await expect(guardToolCalls(loadFixture('anthropic-dangerous-tools'), guard)).rejects.toThrow(
    'Temporal is unreachable',
  );
  expect(settled).toBe(2);
});

test('a response with no tool calls is returned untouched; an unknown shape is refused', async () => {
  const { guard, checks, release } = tableGuard({});
  release();
  const message = loadFixture('anthropic-final-answer');
  const before = JSON.stringify(message);
  const summary = await guardToolCalls(message, guard);
  expect(summary).toMatchObject({ results: [], toolResults: [], pending: [], blocked: [], withheld: [] });
  expect(JSON.stringify(message)).toBe(before);
  expect(checks).toEqual([]);
  await expect(guardToolCalls({ candidates: [] }, guard)).rejects.toMatchObject({
    name: 'GuardInputError',
    message: expect.stringContaining('does not recognise'),
  });
});

describe('onUnavailable', () => {
  /** A guard whose Temporal is down: every check throws what GuardClient throws, matched by name. */
  const downGuard: ToolGuard = {
    async check() {
      throw Object.assign(new Error('guard unavailable: Temporal at temporal:7233 did not answer'), {
        name: 'GuardUnavailable',
        code: 'GUARD_UNAVAILABLE',
        callId: 'agent-1-toolu_1',
      });
    },
  };

  test("'throw' (the default) propagates the GuardUnavailable", async () => {
    await expect(guardToolCalls(loadFixture('anthropic-refund-tool'), downGuard)).rejects.toMatchObject({
      name: 'GuardUnavailable',
    });
  });

  test("'block' turns every call into a block with the reason, thrown as GuardBlocked by default", async () => {
    await expect(
      guardToolCalls(loadFixture('anthropic-refund-tool'), downGuard, { onUnavailable: 'block' }),
    ).rejects.toMatchObject({
      name: 'GuardBlocked',
      reason: 'guard unavailable: Temporal at temporal:7233 did not answer',
      escalationId: 'agent-1-toolu_1',
    });
  });

  test("'block' with onBlock 'tool-result' withholds the calls and answers them as errors", async () => {
    const message = loadFixture<Message>('anthropic-refund-tool');
    const summary = await guardToolCalls(message, downGuard, { onUnavailable: 'block', onBlock: 'tool-result' });
    expect(message.content.filter((block) => block.type === 'tool_use')).toEqual([]);
    expect(summary.blocked.map((call) => call.reason)).toEqual([
      'guard unavailable: Temporal at temporal:7233 did not answer',
    ]);
    expect(summary.toolResults).toEqual([
      expect.objectContaining({
        type: 'tool_result',
        is_error: true,
        content: expect.stringContaining('guard unavailable'),
      }),
    ]);
  });

  test("'block' never hides another failure: other errors still propagate", async () => {
    const broken: ToolGuard = {
      async check() {
        throw new Error('bad policy file');
      },
    };
    await expect(
      guardToolCalls(loadFixture('anthropic-refund-tool'), broken, { onUnavailable: 'block' }),
    ).rejects.toThrow('bad policy file');
  });
});
