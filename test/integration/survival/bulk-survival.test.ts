import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { BulkDecisionClient } from '../../../src/client';
import type { DevServer } from '../../../src/server/dev-server';
import { statusQuery } from '../../../src/workflows/definitions';
import { connect, killHard, privateServer, startWorkerProcess } from './processes';

const dir = mkdtempSync(join(tmpdir(), 'bulk-survival-'));
let server: DevServer;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await privateServer(join(dir, 'temporal.db'));
}, 90_000);

afterAll(async () => {
  for (const w of workers) await killHard(w);
  await server.stop();
});

async function worker(taskQueue: string): Promise<ChildProcess> {
  const child = await startWorkerProcess({
    DG_ADDRESS: server.address,
    DG_TASK_QUEUE: taskQueue,
    DG_LEDGER: join(dir, 'ledger.jsonl'),
    DG_BUNDLE: process.env.DG_TEST_BUNDLE as string,
  });
  workers.push(child);
  return child;
}

test('kill -9 the worker mid bulk decision: a new worker finishes it, each escalation decided exactly once', async () => {
  const taskQueue = `bulk-survive-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const first = await worker(taskQueue);
  const batch = `refunds-${Date.now()}`;
  const ids = Array.from({ length: 200 }, (_, i) => `${batch}/${i}`);
  const limit = pLimit(32);
  await Promise.all(
    ids.map((workflowId, i) =>
      limit(() =>
        client.workflow.start('guardedCall', {
          workflowId,
          taskQueue,
          args: [{ tool: 'process_refund', input: { amount: 2000 + i }, context: { batch } }],
        }),
      ),
    ),
  );
  const bulk = new BulkDecisionClient(client, taskQueue);
  const request = {
    decision: 'approve' as const,
    filter: { batch },
    approver: { id: 'alice', groups: ['finance'] },
    tuning: { pageSize: 20, concurrency: 4, pagesPerRun: 3 },
  };
  for (;;) {
    if ((await bulk.dryRun(request)).count === 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const id = await bulk.start(request);
  for (;;) {
    const p = await bulk.progress(id).catch(() => undefined);
    if (p && p.seen >= 30) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await killHard(first);
  await worker(taskQueue);
  const done = await bulk.result(id);
  expect(done.counts).toEqual({
    decided: 200,
    'already-decided': 0,
    'timed-out': 0,
    'not-allowed': 0,
    'not-matched': 0,
    failed: 0,
  });
  expect(done.runs).toBeGreaterThan(1);
  const check = pLimit(16);
  const items = await Promise.all(
    ids.map((item) =>
      check(async () => {
        const handle = client.workflow.getHandle(item);
        const status = await handle.query(statusQuery);
        const history = await handle.fetchHistory();
        const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
        return { status: status.status, by: status.result?.decidedBy?.identity, accepted };
      }),
    ),
  );
  expect(items.filter((i) => i.status === 'approved' && i.by === 'alice' && i.accepted === 1)).toHaveLength(200);
  await connection.close();
}, 300_000);
