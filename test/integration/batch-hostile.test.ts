import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { createLedgerTools } from '../../examples/tools/ledger-tools';
import { BatchClient } from '../../src/client';
import { REPORT_REASON_LENGTH } from '../../src/workflows/batch-validation';
import { approveSignal, denySignal, type BatchSummary } from '../../src/workflows/definitions';
import { HOSTILE_INPUT_PATCH } from '../../src/workflows/patches';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';
import { nested } from '../fixtures/hostile-values';

const EventType = temporal.api.enums.v1.EventType;
const UNHANDLED_COMMAND = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
const decider = tableDecider({ process_refund: refundEscalated({ timeoutMs: 60_000 }) });
const dir = mkdtempSync(join(tmpdir(), 'batch-hostile-'));

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let batches: BatchClient;
/** A plain Temporal client whose JSON writer has no depth limit, as any other client may. */
let anyClient: Client;

beforeAll(async () => {
  env = await integrationEnv('batch-hostile');
  worker = await env.worker(decider, createLedgerTools(join(dir, 'ledger.jsonl')));
  running = worker.run();
  batches = new BatchClient(env.client, env.taskQueue);
  anyClient = new Client({
    connection: env.client.connection,
    dataConverter: { payloadConverterPath: require.resolve('./fixtures/iterative-json-converter') },
  });
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

/** No workflow task failed, except for the server's own UnhandledCommand (a signal arriving mid-task). */
async function expectNoFailedTask(
  handle: WorkflowHandle,
  runId?: string,
): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const events = (await anyClient.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
  const failed = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
      e.workflowTaskFailedEventAttributes?.cause !== UNHANDLED_COMMAND,
  );
  expect(failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);
  return events;
}

function markers(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? (JSON.parse(Buffer.from(data).toString()) as { id: string }).id : '';
    });
}

test('hostile batchItem signals are ignored: no task fails and the counts stay true', async () => {
  const batchId = `hostile-reports-${Date.now()}`;
  const handle = await batches.submitItems(
    [
      { tool: 'process_refund', input: { amount: 4200 } },
      { tool: 'process_refund', input: { amount: 5100 } },
      { tool: 'lookup_order', input: { orderId: 'o-1' } },
    ],
    { batchId, concurrency: 3 },
  );
  await waitFor(async () => {
    const p = await batches.progress(batchId);
    return p.done === 1 && p.pendingEscalations === 2 ? p : undefined;
  });

  const hostile: unknown[] = [
    null,
    'done',
    [0, 'done'],
    { index: '0', status: 'done', action: 'allow' },
    { index: -1, status: 'done', action: 'allow' },
    { index: 2 ** 60, status: 'done', action: 'allow' },
    { index: 2, status: 'done', action: 'block' }, // finished already: a duplicate
    { index: 99, status: 'failed' }, // not an item of this batch
    { index: 0, status: 'running' },
    { index: 0, status: 'done' },
    { index: 0, status: 'done', action: 'explode' },
    { index: 0, status: 'failed', reason: nested(20_000) },
    { index: 0, status: 'failed', tool: 't'.repeat(1_048_576) },
    { index: 0, status: { deep: nested(20_000) } },
    nested(30_000),
  ];
  const target = anyClient.workflow.getHandle(batchId);
  for (const report of hostile) await target.signal('batchItem', report);
  // Well formed, for a pending item: accepted as any report is, with its 1 MB reason cut.
  await target.signal('batchItem', { index: 1, status: 'failed', reason: 'r'.repeat(1_048_576) });

  const p = await waitFor(async () => {
    const now = await batches.progress(batchId);
    return now.done === 2 ? now : undefined;
  });
  expect(p.counts.byStatus).toMatchObject({ done: 1, failed: 1, 'pending-approval': 1, running: 0 });
  expect(p.counts.byAction).toEqual({ allow: 1, modify: 0, block: 0 });

  await env.client.workflow.getHandle(`${batchId}/0`).signal(approveSignal, { by: 'alice' });
  const summary = (await handle.result()) as BatchSummary;
  expect(summary).toMatchObject({ state: 'completed', done: 3, total: 3 });
  expect(summary.counts.byStatus).toMatchObject({ done: 2, failed: 1, invalid: 0, cancelled: 0 });
  expect(summary.counts.byAction).toEqual({ allow: 2, modify: 0, block: 0 });
  expect(summary.counts.escalated).toBe(2);
  expect(summary.problems).toHaveLength(1);
  expect(summary.problems[0]).toMatchObject({ index: 1, status: 'failed' });
  expect(summary.problems[0]?.reason.length).toBeLessThan(REPORT_REASON_LENGTH + 64);
  expect(summary.problems[0]?.reason).toMatch(/cut at \d+ characters/);

  const events = await expectNoFailedTask(handle);
  expect(markers(events)).toContain(HOSTILE_INPUT_PATCH);
  // The item whose end was reported by the hostile signal is still waiting: end it.
  await env.client.workflow.getHandle(`${batchId}/1`).signal(denySignal, { by: 'alice' });
  await recordHistory(handle, 'batch-hostile-reports');
});

test('a batch of good items records no hostile-input marker', async () => {
  const handle = await batches.submitItems([{ tool: 'lookup_order', input: { orderId: 'o-2' } }]);
  expect((await handle.result()).counts.byAction.allow).toBe(1);
  expect(markers(await expectNoFailedTask(handle))).not.toContain(HOSTILE_INPUT_PATCH);
});

describe('a malformed start ends the batch at once, naming the problem', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['source-null', { source: null }, /source must be \{items/],
    ['items-not-array', { source: { items: 'lookup_order' } }, /source\.items must be an array/],
    ['path-not-string', { source: { path: 42 } }, /source\.path must name the batch file/],
    ['bad-batch-id', { source: { items: [] }, batchId: 'a b' }, /batchId "a b" has the character " "/],
    ['concurrency-0', { source: { items: [] }, concurrency: 0 }, /concurrency must be a whole number from 1 to 500/],
    ['concurrency-huge', { source: { items: [] }, concurrency: 1e9 }, /concurrency must be/],
    ['budget-negative', { source: { items: [] }, historyBudget: -1 }, /historyBudget must be a whole number/],
    ['total-negative', { source: { path: '/x' }, expectedTotal: -5 }, /expectedTotal must be/],
    ['timeout-text', { source: { items: [] }, escalationTimeoutMs: 'soon' }, /escalationTimeoutMs must be a positive/],
  ];
  test.each(cases)('%s', async (name, input, message) => {
    const workflowId = `bad-start-${name}-${Date.now()}`;
    const handle = await anyClient.workflow.start('guardBatch', {
      workflowId,
      taskQueue: env.taskQueue,
      args: [input],
    });
    const err = await handle.result().then(
      () => {
        throw new Error('expected the batch to fail');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'GUARD_INVALID_BATCH', nonRetryable: true });
    expect(cause?.message).toMatch(message);
    const events = await expectNoFailedTask(handle);
    expect(markers(events)).toEqual([HOSTILE_INPUT_PATCH]);
    expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(false);
    if (name === 'source-null') await recordHistory(handle, 'batch-invalid-start');
  });
});
