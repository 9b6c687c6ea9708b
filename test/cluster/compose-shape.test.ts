/**
 * The docker-compose.yml shape for real: temporal-server on PostgreSQL (persistence and SQL visibility), two
 * `durable-guard worker` processes on one task queue and one `durable-guard api`. A batch with escalations
 * survives kill -9 of a worker and of temporal-server; its escalations are approved through the API; every tool
 * effect lands exactly once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { batchLines } from '../../examples/batches/generate';
import { readLedger } from '../../examples/tools/ledger-tools';
import { BatchClient } from '../../src/client';
import { freePort } from '../../src/server/dev-server';
import { GUARD_SEARCH_ATTRIBUTES, type BatchProgress } from '../../src/workflows/definitions';
import type { CliProcess } from './harness/cli-process';
import { clusterForFile, describeCluster } from './harness/cluster-for-file';

const TASK_QUEUE = 'cluster-shape';
const TOKEN = 'cluster-olga-token-0123456789abcdef';

async function waitForProgress(
  batches: () => BatchClient,
  batchId: string,
  ok: (p: BatchProgress) => boolean,
  timeoutMs: number,
): Promise<BatchProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: BatchProgress | undefined;
  for (;;) {
    last = await batches()
      .progress(batchId)
      .catch(() => last);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not there in time: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeCluster('the compose shape on a PostgreSQL-backed temporal-server', () => {
  const ctx = clusterForFile(TASK_QUEUE);
  let apiPort: number;
  let connection: Connection;
  let batches: BatchClient;
  let workers: CliProcess[];

  beforeAll(async () => {
    const tools = ['worker', '--tools', 'examples/tools/index.ts'];
    workers = [ctx.spawn(tools), ctx.spawn(tools)];
    apiPort = await freePort();
    const api = ctx.spawn(['api'], {
      DURABLE_GUARD_API_HOST: '127.0.0.1',
      DURABLE_GUARD_API_PORT: String(apiPort),
      DURABLE_GUARD_APPROVER_TOKENS: `olga:finance:${TOKEN}`,
    });
    await Promise.all([...workers.map((w) => w.waitFor('worker polling')), api.waitFor('approval API on')]);
    connection = await Connection.connect({ address: ctx.cluster.address });
    batches = new BatchClient(new Client({ connection }), TASK_QUEUE);
  }, 120_000);

  afterAll(async () => {
    await connection?.close();
  });

  test('durable-guard setup registered every search attribute on SQL visibility, once', async () => {
    expect(ctx.setupOutput).toContain(
      `registered search attributes: ${GUARD_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`,
    );
    const listed = await connection.operatorService.listSearchAttributes({ namespace: ctx.cluster.namespace });
    for (const key of GUARD_SEARCH_ATTRIBUTES) expect(listed.customAttributes?.[key.name]).toBeDefined();
    const again = ctx.spawn(['setup']);
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('search attributes already registered; nothing to do');
  });

  test('kill -9 of a worker and of temporal-server mid-batch: approvals through the API, each effect once', async () => {
    const batchId = `cluster-batch-${Date.now()}`;
    const total = 240;
    const escalations = 24;
    const file = join(ctx.dir, 'batch.jsonl');
    writeFileSync(file, batchLines(total, total / escalations));
    const handle = await batches.submitFile(file, { batchId, concurrency: 8 });

    // A worker dies without a word while items are in flight; the other one carries on alone.
    const [doomed] = workers;
    await waitForProgress(
      () => batches,
      batchId,
      (p) => p.done >= 20,
      60_000,
    );
    const killedAt = await batches.progress(batchId);
    await doomed?.killHard();

    // Then temporal-server itself: kill -9 and a restart on the same PostgreSQL.
    await waitForProgress(
      () => batches,
      batchId,
      (p) => p.done >= killedAt.done + 20,
      60_000,
    );
    const restartedAt = await batches.progress(batchId);
    await ctx.cluster.restart();

    const waiting = await waitForProgress(
      () => batches,
      batchId,
      (p) => p.done === total - escalations && p.running === 0 && p.pendingEscalations === escalations,
      180_000,
    );
    // Both kills hit the batch while it ran.
    expect(killedAt.done).toBeLessThan(total - escalations);
    expect(restartedAt.done).toBeLessThan(total - escalations);

    // The approver finds them through the API's visibility query, and approves each there.
    const base = `http://127.0.0.1:${apiPort}`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const listed = await request(`${base}/v1/escalations?batch=${batchId}&pageSize=100`, { headers });
    expect(listed.statusCode).toBe(200);
    const page = (await listed.body.json()) as { escalations: { id: string; batch?: string }[] };
    expect(page.escalations.map((e) => e.id).sort()).toEqual([...waiting.pendingIds].sort());
    for (const { id } of page.escalations) {
      const answer = await request(`${base}/v1/escalations/${encodeURIComponent(id)}/approve`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reason: 'checked on the cluster' }),
      });
      expect(answer.statusCode).toBe(200);
      expect(await answer.body.json()).toMatchObject({ action: 'allow', decidedBy: { identity: 'olga' } });
    }

    const summary = await handle.result();
    expect(summary).toMatchObject({ state: 'completed', done: total, total, pendingEscalations: 0 });
    expect(summary.counts.escalated).toBe(escalations);
    expect(summary.counts.byStatus.failed).toBe(0);
    // Exactly once: one ledger line per allowed or modified item (approved escalations are allowed), none twice.
    const keys = readLedger(join(ctx.dir, 'ledger.jsonl'))
      .map((e) => e.key)
      .filter((k) => k.startsWith(`${batchId}/`));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(summary.counts.byAction.allow + summary.counts.byAction.modify);
    expect(summary.counts.byAction.allow + summary.counts.byAction.modify + summary.counts.byAction.block).toBe(total);
  }, 300_000);
});
