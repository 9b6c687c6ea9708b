import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createLedgerTools, readLedger } from '../../examples/tools/ledger-tools';
import { BatchClient, type BatchItemResult } from '../../src/client';
import {
  approveSignal,
  denySignal,
  type BatchMode,
  type BatchProgress,
  type BatchSummary,
  type GuardBatchInput,
} from '../../src/workflows/definitions';
import { piiRedacted, refundEscalated, rmRfBlocked } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const table = {
  send_email: piiRedacted('email-pii'),
  run_shell: rmRfBlocked,
  process_refund: refundEscalated(),
};
const decider = tableDecider(table);
// Every decision needs the network (llm-judge, remote guard): page mode hands such items to guardedCall children.
const networkDecider = tableDecider(table, { network: true });

const dir = mkdtempSync(join(tmpdir(), 'batch-page-'));
const ledger = join(dir, 'ledger.jsonl');
let env: Awaited<ReturnType<typeof integrationEnv>>;
let netEnv: Awaited<ReturnType<typeof integrationEnv>>;
let workers: Worker[];
let running: Promise<void>[];
let batches: BatchClient;
let networkBatches: BatchClient;

beforeAll(async () => {
  env = await integrationEnv('batch-page');
  netEnv = await integrationEnv('batch-page-net');
  workers = [
    await env.worker(decider, createLedgerTools(ledger)),
    await netEnv.worker(networkDecider, createLedgerTools(ledger)),
  ];
  running = workers.map((w) => w.run());
  batches = new BatchClient(env.client, env.taskQueue);
  networkBatches = new BatchClient(env.client, netEnv.taskQueue);
});

afterAll(async () => {
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await env.close();
  await netEnv.close();
});

const lookup = (i: number) => JSON.stringify({ tool: 'lookup_order', input: { orderId: `o-${i}` } });
const mixedLines = [
  JSON.stringify({ tool: 'process_refund', input: { amount: 4200 }, callId: 'r-1' }),
  JSON.stringify({ tool: 'process_refund', input: { amount: 9000 } }),
  ...Array.from({ length: 6 }, (_, i) => lookup(i)),
  '',
  'not json',
  JSON.stringify({ tool: 'send_email', input: { to: 'a@example.com' } }),
  JSON.stringify({ tool: 'run_shell', input: { cmd: 'rm -rf /' } }),
  JSON.stringify({ tool: 'no_such_tool', input: {} }),
];
const mixedFile = join(dir, 'mixed.jsonl');
writeFileSync(mixedFile, `${mixedLines.join('\n')}\n`);

/** Runs the mixed batch in one mode: approves item 0, denies item 1; returns the summary and the effects by index. */
async function runMixed(client: BatchClient, mode: BatchMode, batchId: string) {
  const handle = await client.submitFile(mixedFile, { batchId, concurrency: 1, mode, pageSize: 4 });
  const waiting = await waitFor(async () => {
    const p = await client.progress(batchId);
    return p.done === 10 && p.pendingEscalations === 2 ? p : undefined;
  });
  await env.client.workflow.getHandle(`${batchId}/0`).signal(approveSignal, { by: 'alice' });
  await env.client.workflow.getHandle(`${batchId}/1`).signal(denySignal, { by: 'bob', reason: 'over budget' });
  const summary = await handle.result();
  const effects = readLedger(ledger)
    .filter((e) => e.key.startsWith(`${batchId}/`))
    .map((e) => ({ index: Number(e.key.slice(batchId.length + 1)), input: e.input }))
    .sort((a, b) => a.index - b.index);
  return { handle, summary, waiting, effects };
}

/** What must be the same whatever the mode: counts, problems (without the item's workflow ID) and totals. */
function comparable(s: BatchSummary | BatchProgress) {
  const { counts, done, total, pendingEscalations } = s;
  // Problems are listed as their items finish, which concurrent children do in any order: compare them by index.
  const problems =
    'problems' in s
      ? s.problems
          .map(({ itemId: _id, ...p }) => p)
          .sort((a, b) => a.index - b.index || a.status.localeCompare(b.status))
      : undefined;
  return { counts, done, total, pendingEscalations, problems };
}

async function allItems(client: BatchClient, batchId: string): Promise<BatchItemResult[]> {
  const rows: BatchItemResult[] = [];
  for await (const r of client.items(batchId)) rows.push(r);
  return rows.sort((a, b) => a.index - b.index);
}

test('page mode gives the same outcomes and effects as item mode for a mixed batch', async () => {
  const stamp = Date.now();
  const item = await runMixed(batches, 'item', `mixed-item-${stamp}`);
  const page = await runMixed(batches, 'page', `mixed-page-${stamp}`);

  expect(comparable(page.waiting)).toEqual(comparable(item.waiting));
  expect(comparable(page.summary)).toEqual(comparable(item.summary));
  expect(page.summary).toMatchObject({
    state: 'completed',
    mode: 'page',
    done: 12,
    total: 12,
    counts: { byAction: { allow: 7, modify: 1, block: 3 }, escalated: 2 },
  });
  expect(page.summary.problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ index: 11, tool: 'no_such_tool', reason: expect.stringContaining('unknown tool') }),
    ]),
  );
  // The same tools ran with the same inputs, each once, under the same keys.
  expect(page.effects).toEqual(item.effects);
  expect(page.effects.map((e) => e.index)).toEqual([0, 2, 3, 4, 5, 6, 7, 9]);

  // Per item: the page's outcomes say what the item workflows say; only escalations are workflows.
  const pageRows = await allItems(batches, page.handle.workflowId);
  expect(pageRows).toHaveLength(12);
  const itemRows = await waitFor(async () => {
    const rows = await allItems(batches, item.handle.workflowId);
    return rows.length === 11 && rows.every((r) => r.execution !== 'RUNNING') ? rows : undefined;
  });
  for (const row of itemRows) {
    const result = (await env.client.workflow.getHandle(row.itemId).result()) as { action: string };
    const inPage = pageRows[row.index] as BatchItemResult;
    expect({ index: inPage.index, status: inPage.status, action: inPage.action }).toEqual({
      index: row.index,
      status: 'done',
      action: result.action,
    });
  }
  expect(pageRows[8]).toMatchObject({ status: 'invalid', reason: expect.stringContaining('invalid JSON') });
  expect(pageRows.filter((r) => r.execution === 'CHILD').map((r) => r.index)).toEqual([0, 1]);
  const pageChildren = await env.client.workflow
    .list({ query: `GuardBatchId = "${page.handle.workflowId}" AND WorkflowType = "guardedCall"` })
    [Symbol.asyncIterator]()
    .next();
  expect(pageChildren.done).toBe(false);
  await recordHistory(page.handle, 'batch-page-mixed');
});

test('page mode with network rules: every item runs as a guardedCall child, as in item mode', async () => {
  const stamp = Date.now();
  const item = await runMixed(networkBatches, 'item', `net-item-${stamp}`);
  const page = await runMixed(networkBatches, 'page', `net-page-${stamp}`);
  expect(comparable(page.summary)).toEqual(comparable(item.summary));
  expect(page.effects).toEqual(item.effects);
  const rows = await allItems(networkBatches, page.handle.workflowId);
  // All but the invalid line.
  expect(rows.filter((r) => r.execution === 'CHILD')).toHaveLength(11);
  await recordHistory(page.handle, 'batch-page-network');
});

test('page mode continues as new with the outcomes, the counts and the waiting items', async () => {
  const items = [
    { tool: 'process_refund', input: { amount: 5000 } },
    ...Array.from({ length: 40 }, (_, i) => ({ tool: 'lookup_order', input: { orderId: `o-${i}` } })),
  ];
  const batchId = `page-can-${Date.now()}`;
  const input: GuardBatchInput = { source: { items }, batchId, mode: 'page', pageSize: 5, historyBudget: 30 };
  const handle = await env.client.workflow.start('guardBatch', {
    workflowId: batchId,
    taskQueue: env.taskQueue,
    args: [input],
  });
  const progress = await waitFor(async () => {
    const p = await batches.progress(batchId);
    return p.done === 40 ? p : undefined;
  });
  expect(progress.runs).toBeGreaterThan(1);
  expect(progress.pendingIds).toEqual([`${batchId}/0`]);
  const before = await allItems(batches, batchId);
  expect(before[0]).toMatchObject({ status: 'pending-approval', execution: 'CHILD' });
  expect(before.slice(1).every((r) => r.status === 'done' && r.action === 'allow')).toBe(true);
  await env.client.workflow.getHandle(`${batchId}/0`).signal(approveSignal, { by: 'alice' });
  const summary = await handle.result();
  expect(summary).toMatchObject({ done: 41, total: 41, counts: { byAction: { allow: 41, modify: 0, block: 0 } } });
  const after = await allItems(batches, batchId);
  expect(after.map((r) => `${r.status}/${r.action}`)).toEqual(Array.from({ length: 41 }, () => 'done/allow'));
  const effects = readLedger(ledger).filter((e) => e.key.startsWith(`${batchId}/`));
  expect(new Set(effects.map((e) => e.key)).size).toBe(41);
  expect(effects).toHaveLength(41);
  await recordHistory(handle, 'batch-page-continue-as-new');
});

test('a bad mode or page size is refused at submit, naming the option', async () => {
  await expect(batches.submitFile(mixedFile, { mode: 'pages' as BatchMode })).rejects.toThrow(
    "mode must be 'item' or 'page'",
  );
  await expect(batches.submitFile(mixedFile, { mode: 'page', pageSize: 501 })).rejects.toThrow(
    'pageSize must be a whole number from 1 to 500',
  );
});
