import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Worker } from '@temporalio/worker';
import { createLedgerTools } from '../../examples/tools/ledger-tools';
import { BatchClient } from '../../src/client';
import { createTracing } from '../../src/telemetry/tracing';
import { tracingClientInterceptors } from '../../src/telemetry/tracing-interceptors';
import type { GuardResult } from '../../src/workflows/definitions';
import { integrationEnv, tableDecider, waitFor } from './helpers';
import { piiRedacted, refundEscalated, rmRfBlocked } from './fixtures/decisions';

const decider = tableDecider({
  export_rows: {
    action: 'allow',
    rulesTriggered: [
      { id: 'large-export', action: 'block', mode: 'audit' },
      { id: 'night-export', action: 'escalate', mode: 'audit' },
    ],
  },
  run_shell: rmRfBlocked,
  send_email: piiRedacted(),
  process_refund: refundEscalated(),
});

const exporter = new InMemorySpanExporter();
const tracing = createTracing({ exporter, batch: false });
const tracer = tracing.tracerProvider.getTracer('tracing-test');

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('tracing', { clientInterceptors: tracingClientInterceptors(tracing) });
  // No workflow cache: every workflow task replays the history from the start, so a span that replay
  // re-created and exported again would show up as a duplicate below.
  // The ledger's tools run a page-mode batch's allowed items (an unregistered tool would be blocked).
  const tools = createLedgerTools(join(mkdtempSync(join(tmpdir(), 'dg-tracing-')), 'ledger.jsonl'));
  worker = await env.worker(decider, tools, undefined, { tracing, tuning: { maxCachedWorkflows: 0 } });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
  await tracing.tracerProvider.shutdown();
});

/** Runs `fn` inside a span of the test's own, as an agent framework would around a tool call. */
async function inCallerSpan<T>(fn: () => Promise<T>): Promise<{ value: T; caller: Span }> {
  return tracer.startActiveSpan('agent-turn', async (caller) => {
    try {
      return { value: await fn(), caller };
    } finally {
      caller.end();
    }
  });
}

function spansOfCall(escalationId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.attributes['guard.escalation_id'] === escalationId);
}

/** Waits until the spans named exist for the call (workflow spans arrive through a sink, asynchronously). */
async function spansNamed(escalationId: string, names: string[]): Promise<ReadableSpan[]> {
  return waitFor(async () => {
    const spans = spansOfCall(escalationId);
    return names.every((name) => spans.some((s) => s.name === name)) ? spans : undefined;
  });
}

/** Walks parentSpanId links through every exported span; true when `ancestorId` is on the chain. */
function hasAncestor(span: ReadableSpan, ancestorId: string): boolean {
  const byId = new Map(exporter.getFinishedSpans().map((s) => [s.spanContext().spanId, s]));
  for (let parent = span.parentSpanId; parent; parent = byId.get(parent)?.parentSpanId) {
    if (parent === ancestorId) return true;
  }
  return false;
}

/** Same trace as the caller, and the caller's span on the parent chain (RunWorkflow is exported when the run ends). */
async function expectJoined(span: ReadableSpan, caller: Span) {
  expect(span.spanContext().traceId).toBe(caller.spanContext().traceId);
  await waitFor(async () => (hasAncestor(span, caller.spanContext().spanId) ? true : undefined));
}

test('an allowed call with audit hits: one decision span, a would-block child per audit hit, in the caller trace', async () => {
  const { value: result, caller } = await inCallerSpan(() => env.guard.check('export_rows', { rows: 50_000 }));
  expect(result.action).toBe('allow');
  const id = result.escalationId as string;
  const spans = await spansNamed(id, ['guard:allowed:export_rows', 'guard:would-block:export_rows']);

  const decision = spans.filter((s) => s.name === 'guard:allowed:export_rows');
  expect(decision).toHaveLength(1);
  expect(decision[0]?.attributes).toMatchObject({
    'guard.tool': 'export_rows',
    'guard.action': 'allow',
    'guard.rule_ids': ['large-export', 'night-export'],
    'guard.audit_rule_ids': ['large-export', 'night-export'],
    'guard.escalation_id': id,
    'guard.decided_by': 'policy',
    'guard.policy_version': 'test-v1',
  });
  await expectJoined(decision[0] as ReadableSpan, caller);

  const wouldBlock = spans.filter((s) => s.name === 'guard:would-block:export_rows');
  expect(wouldBlock.map((s) => s.attributes['guard.rule_id']).sort()).toEqual(['large-export', 'night-export']);
  for (const span of wouldBlock) {
    expect(span.parentSpanId).toBe(decision[0]?.spanContext().spanId);
    expect(span.attributes['guard.rule_action']).toBeDefined();
  }
});

test.each([
  ['run_shell', 'guard:blocked:run_shell', 'block', ['no-rm-rf']],
  ['send_email', 'guard:modified:send_email', 'modify', ['redact-pii']],
])('%s: the span is named after the decision (%s)', async (tool, name, action, rules) => {
  const { value: result, caller } = await inCallerSpan(() => env.guard.check(tool, { to: 'x' }));
  expect(result.action).toBe(action);
  const spans = await spansNamed(result.escalationId as string, [name]);
  expect(spans.map((s) => s.name)).toEqual([name]);
  expect(spans[0]?.attributes).toMatchObject({ 'guard.action': action, 'guard.rule_ids': rules });
  await expectJoined(spans[0] as ReadableSpan, caller);
});

test('an escalation approved by a human: an escalated span, then the final decision with decided_by human', async () => {
  const { value: escalated, caller } = await inCallerSpan(() => env.guard.check('process_refund', { amount: 4200 }));
  const id = escalated.escalationId as string;
  const [first] = await spansNamed(id, ['guard:escalated:process_refund']);
  expect(first?.attributes).toMatchObject({ 'guard.action': 'escalate', 'guard.rule_ids': ['big-refund'] });
  expect(first?.attributes['guard.decided_by']).toBeUndefined();
  expect(first?.spanContext().traceId).toBe(caller.spanContext().traceId);

  const approved: GuardResult = await env.guard.approve(id, { by: 'alice' });
  expect(approved.action).toBe('allow');
  await env.guard.waitForResult(id);
  const spans = await spansNamed(id, ['guard:allowed:process_refund']);
  const final = spans.find((s) => s.name === 'guard:allowed:process_refund') as ReadableSpan;
  expect(final.attributes).toMatchObject({
    'guard.action': 'allow',
    'guard.decided_by': 'human',
    'guard.decided_by.identity': 'alice',
    'guard.escalation_id': id,
  });
  expect(final.attributes['guard.escalation.wait_ms']).toEqual(expect.any(Number));
  await expectJoined(first as ReadableSpan, caller);
  await expectJoined(final, caller);
  // Replayed workflow tasks (no cache) did not export any decision twice.
  expect(spans.map((s) => s.name).sort()).toEqual(['guard:allowed:process_refund', 'guard:escalated:process_refund']);
});

test('an escalation that times out ends with a blocked span decided by timeout', async () => {
  const { value: result, caller } = await inCallerSpan(() =>
    env.guard.check('process_refund', { amount: 9000 }, { waitForEscalation: true, escalationTimeout: '1s' }),
  );
  expect(result.decidedBy?.kind).toBe('timeout');
  const spans = await spansNamed(result.escalationId as string, ['guard:blocked:process_refund']);
  expect(spans.map((s) => s.name).sort()).toEqual(['guard:blocked:process_refund', 'guard:escalated:process_refund']);
  const blocked = spans.find((s) => s.name === 'guard:blocked:process_refund') as ReadableSpan;
  expect(blocked.attributes).toMatchObject({ 'guard.decided_by': 'timeout', 'guard.action': 'block' });
  await expectJoined(blocked, caller);
});

test('a page-mode batch: each item decided in its page gets its decision span, named by its item ID, once', async () => {
  const batchId = `traced-page-${Date.now()}`;
  const handle = await new BatchClient(env.client, env.taskQueue).submitItems(
    [
      { tool: 'export_rows', input: { rows: 50_000 } },
      { tool: 'run_shell', input: { command: 'rm -rf /' } },
      { tool: 'send_email', input: { to: 'x' } },
    ],
    { batchId, mode: 'page', pageSize: 2 },
  );
  expect((await handle.result()).counts.byAction).toEqual({ allow: 1, modify: 1, block: 1 });
  const allowed = await spansNamed(`${batchId}/0`, ['guard:allowed:export_rows', 'guard:would-block:export_rows']);
  const blocked = await spansNamed(`${batchId}/1`, ['guard:blocked:run_shell']);
  const modified = await spansNamed(`${batchId}/2`, ['guard:modified:send_email']);
  expect(allowed.map((s) => s.name).sort()).toEqual([
    'guard:allowed:export_rows',
    'guard:would-block:export_rows',
    'guard:would-block:export_rows',
  ]);
  const decision = allowed.find((s) => s.name === 'guard:allowed:export_rows') as ReadableSpan;
  expect(decision.attributes).toMatchObject({
    'guard.action': 'allow',
    'guard.audit_rule_ids': ['large-export', 'night-export'],
    'guard.policy_version': 'test-v1',
  });
  for (const span of allowed.filter((s) => s !== decision)) {
    expect(span.parentSpanId).toBe(decision.spanContext().spanId);
  }
  // Replayed workflow tasks (no cache, a page per task) exported nothing twice.
  expect(blocked.map((s) => s.name)).toEqual(['guard:blocked:run_shell']);
  expect(blocked[0]?.attributes).toMatchObject({ 'guard.action': 'block', 'guard.rule_ids': ['no-rm-rf'] });
  expect(modified.map((s) => s.name)).toEqual(['guard:modified:send_email']);
});
