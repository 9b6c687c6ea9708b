import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { request as http } from 'undici';
import { BulkDecisionClient } from '../../../src/client';
import type { DevServer } from '../../../src/server/dev-server';
import type { BulkDecisionProgress } from '../../../src/workflows/bulk-definitions';
import type { GuardResult } from '../../../src/workflows/definitions';
import { connect, freePort, killHard, privateServer, startApiProcess, startWorkerProcess } from './processes';

const dir = mkdtempSync(join(tmpdir(), 'bulk-survival-'));
let server: DevServer;
const workers: ChildProcess[] = [];
const apis: ChildProcess[] = [];

beforeAll(async () => {
  server = await privateServer(join(dir, 'temporal.db'));
}, 90_000);

afterAll(async () => {
  for (const w of [...workers, ...apis]) await killHard(w);
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

/** 200 pending refund escalations of one batch, all listed by visibility before it returns. */
async function pendingRefunds(client: Client, taskQueue: string, batch: string): Promise<string[]> {
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
  const filter = { decision: 'approve' as const, filter: { batch }, approver: { id: 'alice', groups: ['finance'] } };
  while ((await bulk.dryRun(filter)).count !== ids.length) await new Promise((r) => setTimeout(r, 500));
  return ids;
}

/** The escalations approved by alice with exactly one accepted update each. */
async function approvedOnce(client: Client, ids: string[]): Promise<number> {
  const check = pLimit(16);
  const items = await Promise.all(
    ids.map((item) =>
      check(async () => {
        // The result and history are read from the server alone: a query of a closed call needs a worker to
        // replay it, which a loaded machine may not do within the query's deadline.
        const handle = client.workflow.getHandle(item);
        const result = (await handle.result()) as GuardResult;
        const history = await handle.fetchHistory();
        const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
        return { result, accepted };
      }),
    ),
  );
  return items.filter(
    ({ result, accepted }) =>
      result.action !== 'block' &&
      result.decidedBy?.kind === 'human' &&
      result.decidedBy.identity === 'alice' &&
      accepted === 1,
  ).length;
}

const ALL_DECIDED = {
  decided: 200,
  'already-decided': 0,
  'timed-out': 0,
  'not-allowed': 0,
  'not-matched': 0,
  failed: 0,
};

test('kill -9 the worker mid bulk decision: a new worker finishes it, each escalation decided exactly once', async () => {
  const taskQueue = `bulk-survive-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  const first = await worker(taskQueue);
  const batch = `refunds-${Date.now()}`;
  const ids = await pendingRefunds(client, taskQueue, batch);
  const bulk = new BulkDecisionClient(client, taskQueue);
  const id = await bulk.start({
    decision: 'approve',
    filter: { batch },
    approver: { id: 'alice', groups: ['finance'] },
    tuning: { pageSize: 20, concurrency: 4, pagesPerRun: 3 },
  });
  for (;;) {
    const p = await bulk.progress(id).catch(() => undefined);
    if (p && p.seen >= 30) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await killHard(first);
  await worker(taskQueue);
  const done = await bulk.result(id);
  expect(done.counts).toEqual(ALL_DECIDED);
  expect(done.runs).toBeGreaterThan(1);
  expect(await approvedOnce(client, ids)).toBe(200);
  await connection.close();
}, 300_000);

test('kill -9 the API right after it started a bulk decision: the decision finishes, the restarted API reports it, each escalation decided once', async () => {
  const taskQueue = `bulk-survive-api-${Date.now()}`;
  const { connection, client } = await connect(server.address);
  await worker(taskQueue);
  const batch = `refunds-api-${Date.now()}`;
  const ids = await pendingRefunds(client, taskQueue, batch);
  const port = await freePort();
  const env = {
    TEMPORAL_ADDRESS: server.address,
    DURABLE_GUARD_TASK_QUEUE: taskQueue,
    DURABLE_GUARD_APPROVER_TOKENS: 'alice:finance:alice-token-0123456789abcdef',
  };
  const headers = { authorization: 'Bearer alice-token-0123456789abcdef', 'content-type': 'application/json' };
  const url = `http://127.0.0.1:${port}/v1/escalations/decisions`;
  const first = await startApiProcess(port, env);
  apis.push(first);
  const started = await http(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ decision: 'approve', filter: { batch } }),
  });
  expect(started.statusCode).toBe(202);
  const { id } = (await started.body.json()) as { id: string };
  // Killed while the decision is under way (nothing is decided by the API process itself, so nothing is lost).
  await killHard(first);
  const mid = await new BulkDecisionClient(client, taskQueue).progress(id);
  expect(mid?.state).toBe('running');
  const second = await startApiProcess(port, env);
  apis.push(second);
  let progress: BulkDecisionProgress | undefined;
  for (;;) {
    const answer = await http(`${url}/${id}`, { headers });
    expect(answer.statusCode).toBe(200);
    progress = (await answer.body.json()) as BulkDecisionProgress;
    if (progress.state === 'completed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await killHard(second);
  expect(progress.counts).toEqual(ALL_DECIDED);
  expect(progress.approver).toBe('alice');
  expect(await approvedOnce(client, ids)).toBe(200);
  await connection.close();
}, 300_000);
