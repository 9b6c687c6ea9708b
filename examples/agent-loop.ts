/**
 * A small agent loop whose tool calls are guarded by durable-guard with one line (`patchAnthropic`).
 *
 *   ANTHROPIC_BASE_URL=http://127.0.0.1:8080 ANTHROPIC_API_KEY=... TEMPORAL_ADDRESS=localhost:7233 \
 *     npx tsx examples/agent-loop.ts "Order ord_8812 arrived damaged: refund it and tell the customer."
 *
 * Needs a durable-guard worker on the task queue (`npm start`). Tools come from examples/tools/ledger-tools.ts
 * and write to the ledger file LEDGER_PATH (default .data/agent-ledger.jsonl).
 */
import Anthropic from '@anthropic-ai/sdk';
import { GuardClient } from '../src/client';
import { guardSummaryOf, patchAnthropic, type GuardedToolCalls } from '../src/integrations';
import { createLedgerTools } from './tools/ledger-tools';

const tools: Anthropic.Tool[] = [
  {
    name: 'lookup_order',
    description: 'Look up an order by ID.',
    input_schema: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
  },
  {
    name: 'process_refund',
    description: 'Refund an order.',
    input_schema: {
      type: 'object',
      properties: { orderId: { type: 'string' }, amount: { type: 'number' }, currency: { type: 'string' } },
      required: ['orderId', 'amount'],
    },
  },
  {
    name: 'send_email',
    description: 'Email a customer.',
    input_schema: {
      type: 'object',
      properties: { to: { type: 'string' }, body: { type: 'string' } },
      required: ['to', 'body'],
    },
  },
];

function report(summary: GuardedToolCalls | undefined): void {
  for (const { tool, toolCallId, result } of summary?.results ?? []) {
    const rules = result.rulesTriggered.map((hit) => `${hit.id}${hit.mode === 'audit' ? ' (audit)' : ''}`);
    console.log(
      `guard: ${tool} (${toolCallId}) -> ${result.action}` +
        `${result.reason ? `: ${result.reason}` : ''}${rules.length > 0 ? ` [${rules.join(', ')}]` : ''}` +
        `${result.decidedBy ? ` decided by ${result.decidedBy.kind}${result.decidedBy.identity ? ` ${result.decidedBy.identity}` : ''}` : ''}`,
    );
  }
  for (const { tool, escalationId } of summary?.pending ?? []) {
    console.log(
      `guard: ${tool} waits for approval: temporal workflow signal --workflow-id ${escalationId} ` +
        `--name approve --input '{"by":"you","groups":["finance"]}'`,
    );
  }
}

async function main(): Promise<void> {
  const task = process.argv[2] ?? 'Order ord_8812 arrived damaged: refund it and tell the customer.';
  const ledger = createLedgerTools(process.env.LEDGER_PATH ?? '.data/agent-ledger.jsonl');
  const guard = new GuardClient();
  const anthropic = patchAnthropic(
    new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY ?? 'unset' }),
    guard,
    // A blocked call becomes an error result for the model; the run ID keeps escalations stable across re-runs.
    { onBlock: 'tool-result', escalationTimeout: '5m', callIdPrefix: `agent-loop-${process.pid}-` },
  );

  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: task }];
  for (let turn = 0; turn < 8; turn += 1) {
    const response = await anthropic.messages.create({
      model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5',
      max_tokens: 1024,
      tools,
      messages,
    });
    const summary = guardSummaryOf(response);
    report(summary);
    for (const block of response.content) if (block.type === 'text') console.log(`model: ${block.text}`);
    if (response.stop_reason !== 'tool_use') return;

    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const block of response.content) {
      if (block.type !== 'tool_use') continue;
      const run = ledger[block.name]?.run;
      const output = run
        ? await run(block.input as Record<string, unknown>, { idempotencyKey: block.id, callId: block.id })
        : { error: `unknown tool ${block.name}` };
      console.log(`tool: ${block.name} -> ${JSON.stringify(output)}`);
      results.push({ type: 'tool_result', tool_use_id: block.id, content: JSON.stringify(output) });
    }
    // Tool results must answer calls of the assistant turn: put the withheld calls back before sending theirs.
    const withheld = (summary?.withheld ?? []) as Anthropic.ContentBlock[];
    messages.push({ role: 'assistant', content: [...response.content, ...withheld] });
    const guardResults = (summary?.toolResults ?? []) as Anthropic.ToolResultBlockParam[];
    messages.push({ role: 'user', content: [...results, ...guardResults] });
  }
  console.log('stopped after 8 turns');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
