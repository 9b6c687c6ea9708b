import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { batchLines } from '../../../examples/batches/generate';
import { BatchClient } from '../../../src/client';
import type { DevServer } from '../../../src/server/dev-server';
import { approveSignal, type BatchProgress, type BatchSummary } from '../../../src/workflows/definitions';
import { connect, effectsOf, killHard, privateServer, startWorkerProcess, waitForProgress } from './processes';

const dir = mkdtempSync(join(tmpdir(), 'survival-'));
const dbFilename = join(dir, 'temporal.db');
const ledger = join(dir, 'ledger.jsonl');
let server: DevServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await privateServer(dbFilename);
}, 90_000);

afterAll(async () => {
  for (const w of workers) await killHard(w);
  await server.stop();
});

async function worker(taskQueue: string, toolDelayMs: number): Promise<ChildProcess> {
  const child = await startWorkerProcess({
    DG_ADDRESS: server.address,
    DG_TASK_QUEUE: taskQueue,
    DG_LEDGER: ledger,
    DG_BUNDLE: process.env.DG_TEST_BUNDLE as string,
    DG_TOOL_DELAY_MS: String(toolDelayMs),
  });
  workers.push(child);
  return child;
}

function batchFile(name: string, count: number, escalateEvery: number): string {
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, batchLines(count, escalateEvery));
  return path;
}

/** Approves the waiting items as a finance approver. */
async function approveAll(client: Client, ids: string[]): Promise<void> {
  for (const id of ids) await client.workflow.getHandle(id).signal(approveSignal, { by: 'alice', groups: ['finance'] });
}

/** Every allow/modify item ran its tool exactly once; nothing else ran. */
function expectEffectsExactlyOnce(summary: BatchSummary, batchId: string) {
  const effects = effectsOf(ledger, batchId);
  expect([...effects.values()].every((n) => n === 1)).toBe(true);
  expect(effects.size).toBe(summary.counts.byAction.allow + summary.counts.byAction.modify);
  expect(summary.counts.byStatus.failed).toBe(0);
}

test('kill -9 the worker mid-batch with escalations pending: a new worker finishes, each effect once', async () => {
  const taskQueue = `survive-worker-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const batches = new BatchClient(client, taskQueue);
  const first = await worker(taskQueue, 150);
  const batchId = `kill-worker-${Date.now()}`;
  const handle = await batches.submitFile(batchFile('kill-worker', 60, 6), { batchId, concurrency: 4 });

  await waitForProgress(batches, batchId, (p) => p.pendingEscalations >= 2 && p.done >= 8 && p.done < 40);
  await killHard(first);
  await worker(taskQueue, 0);

  const waiting = await waitForProgress(batches, batchId, (p) => p.done === 50 && p.running === 0, 150_000);
  expect(waiting.pendingEscalations).toBe(10);
  await approveAll(client, waiting.pendingIds);
  const summary = await handle.result();
  expect(summary).toMatchObject({ state: 'completed', done: 60, total: 60, pendingEscalations: 0 });
  expect(summary.counts.escalated).toBe(10);
  expectEffectsExactlyOnce(summary, batchId);
  await connection.close();
  // Generous: after the kill the new worker waits out the dead one's activity timeouts, slow on a loaded machine.
}, 300_000);

test('two workers on one queue, one killed mid-batch: no item lost or run twice', async () => {
  const taskQueue = `survive-two-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const batches = new BatchClient(client, taskQueue);
  const doomed = await worker(taskQueue, 100);
  await worker(taskQueue, 100);
  const batchId = `two-workers-${Date.now()}`;
  const handle = await batches.submitFile(batchFile('two-workers', 120, 0), { batchId, concurrency: 10 });

  await waitForProgress(batches, batchId, (p) => p.done >= 20 && p.done < 80);
  await killHard(doomed);
  const summary = await handle.result();
  expect(summary).toMatchObject({ state: 'completed', done: 120, total: 120 });
  expect(summary.counts.byAction.allow + summary.counts.byAction.modify + summary.counts.byAction.block).toBe(120);
  expectEffectsExactlyOnce(summary, batchId);
  await connection.close();
}, 180_000);

test('kill -9 the dev server while escalations wait: after a restart on the same database, timers fire and approvals resume', async () => {
  const taskQueue = `survive-server-${Date.now()}`;
  let { connection, client } = await connect(server.address);
  let batches = new BatchClient(client, taskQueue);
  await worker(taskQueue, 0);
  const batchId = `kill-server-${Date.now()}`;
  const handle = await batches.submitFile(batchFile('kill-server', 20, 5), {
    batchId,
    concurrency: 5,
    escalationTimeout: '15s',
  });
  const waiting = await waitForProgress(batches, batchId, (p) => p.pendingEscalations === 4 && p.done === 16);
  await connection.close();
  // The dev server runs with Go's GC at 200 (less CPU per call) unless the environment sets GOGC.
  if (process.env.GOGC === undefined) {
    expect(readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0')).toContain('GOGC=200');
  }

  process.kill(server.pid as number, 'SIGKILL');
  const port = Number(server.address.split(':')[1]);
  server = await privateServer(dbFilename, port);
  ({ connection, client } = await connect(server.address));
  batches = new BatchClient(client, taskQueue);

  const [approved, ...timingOut] = waiting.pendingIds;
  await client.workflow.getHandle(approved as string).signal(approveSignal, { by: 'alice', groups: ['finance'] });
  const summary = await batches.result(batchId);
  expect(summary).toMatchObject({ state: 'completed', done: 20, total: 20, pendingEscalations: 0 });
  expect(summary.counts.escalated).toBe(4);
  const timedOut = summary.problems.filter((p) => p.reason.startsWith('escalation timed out after'));
  expect(timedOut.map((p) => p.itemId).sort()).toEqual([...timingOut].sort());
  expect(await client.workflow.getHandle(approved as string).result()).toMatchObject({
    action: 'allow',
    decidedBy: { kind: 'human', identity: 'alice' },
  });
  expectEffectsExactlyOnce(summary, batchId);
  expect(handle.workflowId).toBe(batchId);
  await connection.close();
}, 180_000);

const ran = (p: BatchProgress) => p.counts.byAction.allow + p.counts.byAction.modify;

test('page mode: kill -9 the worker mid-page; a new worker resumes the page, each effect once', async () => {
  const taskQueue = `survive-page-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const batches = new BatchClient(client, taskQueue);
  const first = await worker(taskQueue, 100);
  const batchId = `kill-page-${Date.now()}`;
  const path = batchFile('page-mode', 120, 12);
  const handle = await batches.submitFile(path, { batchId, concurrency: 2, mode: 'page', pageSize: 40 });

  // Mid-page: some of the page's tools have made their effect, and the batch has not yet recorded them.
  let atKill: BatchProgress | undefined;
  await waitForProgress(
    batches,
    batchId,
    (p) => {
      const effects = effectsOf(ledger, batchId).size;
      atKill = p;
      return effects >= 5 && effects > ran(p) + 2 && p.done < 80;
    },
    60_000,
  );
  await killHard(first);
  const effectsAtKill = effectsOf(ledger, batchId).size;
  expect(effectsAtKill).toBeGreaterThan(ran(atKill as BatchProgress));
  await worker(taskQueue, 0);

  const waiting = await waitForProgress(batches, batchId, (p) => p.done === 110 && p.running === 0, 90_000);
  expect(waiting.pendingEscalations).toBe(10);
  await approveAll(client, waiting.pendingIds);
  const summary = await handle.result();
  expect(summary).toMatchObject({ state: 'completed', mode: 'page', done: 120, total: 120, pendingEscalations: 0 });
  expect(summary.counts.escalated).toBe(10);
  expectEffectsExactlyOnce(summary, batchId);
  await connection.close();
}, 240_000);
