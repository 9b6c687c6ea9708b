import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createLedgerTools, readLedger } from '../../examples/tools/ledger-tools';
import { BatchClient } from '../../src/client';
import { approveSignal, denySignal, guardBatchIdKey, type BatchItem } from '../../src/workflows/definitions';
import { piiRedacted, refundEscalated, rmRfBlocked } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const decider = tableDecider({
  send_email: piiRedacted('email-pii'),
  run_shell: rmRfBlocked,
  process_refund: refundEscalated(),
});

const dir = mkdtempSync(join(tmpdir(), 'guard-batch-'));
const ledger = join(dir, 'ledger.jsonl');
let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let batches: BatchClient;

beforeAll(async () => {
  env = await integrationEnv('guard-batch');
  worker = await env.worker(decider, createLedgerTools(ledger));
  running = worker.run();
  batches = new BatchClient(env.client, env.taskQueue);
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

const lookup = (i: number): BatchItem => ({ tool: 'lookup_order', input: { orderId: `o-${i}` } });

test('a file batch: escalations do not hold back the rest; invalid lines are reported; each effect once', async () => {
  const lines = [
    JSON.stringify({ tool: 'process_refund', input: { amount: 4200 }, callId: 'r-1' }),
    JSON.stringify({ tool: 'process_refund', input: { amount: 9000 } }),
    ...Array.from({ length: 6 }, (_, i) => JSON.stringify(lookup(i))),
    '',
    'not json',
    JSON.stringify({ tool: 'send_email', input: { to: 'a@example.com' } }),
    JSON.stringify({ tool: 'run_shell', input: { cmd: 'rm -rf /' } }),
  ];
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const batchId = `file-${Date.now()}`;
  // Concurrency 1: both refunds escalate first; the lookups can only run if waiting items free their slot.
  const handle = await batches.submitFile(path, { batchId, concurrency: 1 });

  const progress = await waitFor(async () => {
    const p = await batches.progress(batchId);
    return p.done === 9 && p.pendingEscalations === 2 ? p : undefined;
  });
  expect(progress).toMatchObject({ total: 11, running: 0, pendingIds: [`${batchId}/0`, `${batchId}/1`] });
  expect(progress.counts.byAction).toEqual({ allow: 6, modify: 1, block: 1 });
  expect(progress.counts.byStatus).toMatchObject({ invalid: 1, 'pending-approval': 2, done: 8 });

  await env.client.workflow.getHandle(`${batchId}/0`).signal(approveSignal, { by: 'alice' });
  await env.client.workflow.getHandle(`${batchId}/1`).signal(denySignal, { by: 'bob', reason: 'over budget' });
  const summary = await handle.result();

  expect(summary).toMatchObject({
    batchId,
    state: 'completed',
    done: 11,
    total: 11,
    pendingEscalations: 0,
    counts: { byAction: { allow: 7, modify: 1, block: 2 }, escalated: 2 },
  });
  expect(summary.problems).toEqual([
    expect.objectContaining({ index: 8, status: 'invalid', reason: expect.stringContaining('invalid JSON') }),
    expect.objectContaining({ index: 10, tool: 'run_shell', reason: 'rm -rf is not allowed' }),
    expect.objectContaining({ index: 1, itemId: `${batchId}/1`, status: 'done', reason: 'over budget' }),
  ]);
  const effects = readLedger(ledger).filter((e) => e.key.startsWith(`${batchId}/`));
  expect(effects.map((e) => e.key).sort()).toEqual([0, 2, 3, 4, 5, 6, 7, 9].map((i) => `${batchId}/${i}`).sort());
  const described = await env.client.workflow.getHandle(`${batchId}/0`).describe();
  expect(described.typedSearchAttributes.get(guardBatchIdKey)).toBe(batchId);
  expect(decider.calls.find((c) => c.input.amount === 4200)?.context).toMatchObject({ batch: batchId, callId: 'r-1' });
  await recordHistory(handle, 'batch-file-escalations');
  await recordHistory(env.client.workflow.getHandle(`${batchId}/0`), 'batch-item-escalate-approve');
});

test('continue-as-new carries the cursor, the counts and the waiting items', async () => {
  const items = [
    { tool: 'process_refund', input: { amount: 5000 } },
    ...Array.from({ length: 40 }, (_, i) => lookup(i)),
  ];
  const batchId = `can-${Date.now()}`;
  const handle = await env.client.workflow.start('guardBatch', {
    workflowId: batchId,
    taskQueue: env.taskQueue,
    args: [{ source: { items }, batchId, concurrency: 5, historyBudget: 60 }],
  });
  const progress = await waitFor(async () => {
    const p = await batches.progress(batchId);
    return p.done === 40 ? p : undefined;
  });
  expect(progress.runs).toBeGreaterThan(1);
  expect(progress.pendingIds).toEqual([`${batchId}/0`]);
  await env.client.workflow.getHandle(`${batchId}/0`).signal(approveSignal, { by: 'alice' });
  const summary = await handle.result();
  expect(summary).toMatchObject({ done: 41, total: 41, counts: { byAction: { allow: 41, modify: 0, block: 0 } } });
  const effects = readLedger(ledger).filter((e) => e.key.startsWith(`${batchId}/`));
  expect(new Set(effects.map((e) => e.key)).size).toBe(41);
  expect(effects).toHaveLength(41);
  await recordHistory(handle, 'batch-continue-as-new');
});

test('cancelling a batch denies waiting items, starts nothing more, and returns the summary', async () => {
  const items = [
    { tool: 'process_refund', input: { amount: 7000 } },
    { tool: 'process_refund', input: { amount: 8000 } },
    ...Array.from({ length: 200 }, (_, i) => lookup(i)),
  ];
  const batchId = `cancel-${Date.now()}`;
  const handle = await batches.submitItems(items, { batchId, concurrency: 2 });
  await waitFor(async () => ((await batches.progress(batchId)).pendingEscalations === 2 ? true : undefined));
  await handle.cancel();
  const summary = await handle.result();
  expect(summary.state).toBe('cancelled');
  expect(summary.total).toBe(202);
  expect(summary.done).toBe(202);
  expect(summary.pendingEscalations).toBe(0);
  expect(summary.counts.byStatus.cancelled).toBeGreaterThan(0);
  const started = readLedger(ledger).filter((e) => e.key.startsWith(`${batchId}/`)).length;
  expect(started).toBe(summary.counts.byAction.allow);
  expect(summary.counts.byStatus.cancelled + summary.counts.byStatus.done).toBe(202);
  expect(summary.problems.filter((p) => p.reason === `batch ${batchId} was cancelled`)).toHaveLength(2);
  const refund = await env.client.workflow.getHandle(`${batchId}/0`).result();
  expect(refund).toMatchObject({ action: 'block', decidedBy: { kind: 'human', identity: 'durable-guard' } });
  await recordHistory(handle, 'batch-cancel');
});
