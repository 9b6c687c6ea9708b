import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchLines } from '../../../examples/batches/generate';
import { BatchClient } from '../../../src/client';
import type { DevServer } from '../../../src/server/dev-server';
import { approveSignal, type BatchProgress } from '../../../src/workflows/definitions';
import { connect, effectsOf, killHard, privateServer, startWorkerProcess, waitForProgress } from './processes';

const dir = mkdtempSync(join(tmpdir(), 'page-survival-'));
const ledger = join(dir, 'ledger.jsonl');
let server: DevServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await privateServer(join(dir, 'temporal.db'));
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

const ran = (p: BatchProgress) => p.counts.byAction.allow + p.counts.byAction.modify;

test('page mode: kill -9 the worker mid-page; a new worker resumes the page, each effect once', async () => {
  const taskQueue = `survive-page-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const batches = new BatchClient(client, taskQueue);
  const first = await worker(taskQueue, 100);
  const batchId = `kill-page-${Date.now()}`;
  const path = join(dir, 'page.jsonl');
  writeFileSync(path, batchLines(120, 12));
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
  for (const id of waiting.pendingIds) {
    await client.workflow.getHandle(id).signal(approveSignal, { by: 'alice', groups: ['finance'] });
  }
  const summary = await handle.result();
  expect(summary).toMatchObject({ state: 'completed', mode: 'page', done: 120, total: 120, pendingEscalations: 0 });
  expect(summary.counts.escalated).toBe(10);
  expect(summary.counts.byStatus.failed).toBe(0);
  const effects = effectsOf(ledger, batchId);
  expect([...effects.values()].every((n) => n === 1)).toBe(true);
  expect(effects.size).toBe(summary.counts.byAction.allow + summary.counts.byAction.modify);
  await connection.close();
}, 240_000);
