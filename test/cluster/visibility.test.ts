/**
 * Every visibility query the API, the CLI and the docs use, on SQL visibility (PostgreSQL): the approval API's
 * listing with each filter and its page tokens, `durable-guard escalations` and `results`, and the Web UI queries
 * of docs/observability.md. The dev server answers these from SQLite; this is the self-hosted shape.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { batchLines } from '../../examples/batches/generate';
import { BatchClient, GuardClient } from '../../src/client';
import { freePort } from '../../src/server/dev-server';
import { guardFingerprintKey } from '../../src/workflows/definitions';
import type { CliProcess } from './harness/cli-process';
import { clusterForFile, describeCluster } from './harness/cluster-for-file';

const TASK_QUEUE = 'cluster-visibility';
const TOKEN = 'cluster-vera-token-0123456789abcdef';

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not there in time: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeCluster('visibility queries on PostgreSQL', () => {
  const ctx = clusterForFile(TASK_QUEUE);
  const batchId = `vis-batch-${Date.now()}`;
  let client: Client;
  let connection: Connection;
  let base: string;
  let single: string[];
  let inBatch: string[];
  const headers = { authorization: `Bearer ${TOKEN}` };

  const api = async (path: string) => {
    const answer = await request(`${base}${path}`, { headers });
    return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
  };
  const listed = async (query = '') => {
    const { status, body } = await api(`/v1/escalations?pageSize=100${query}`);
    expect(status).toBe(200);
    return (body.escalations as { id: string }[]).map((e) => e.id).sort();
  };
  const cli = async (args: string[]) => {
    const proc: CliProcess = ctx.spawn(args);
    const code = await proc.exited;
    if (code !== 0) throw new Error(`durable-guard ${args.join(' ')} exited ${code}:\n${proc.output()}`);
    return proc.output();
  };
  const workflowIds = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids.sort();
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const worker = ctx.spawn(['worker', '--tools', 'examples/tools/index.ts']);
    const apiProc = ctx.spawn(['api'], {
      DURABLE_GUARD_API_HOST: '127.0.0.1',
      DURABLE_GUARD_API_PORT: String(port),
      DURABLE_GUARD_APPROVER_TOKENS: `vera:finance:${TOKEN}`,
    });
    await Promise.all([worker.waitFor('worker polling'), apiProc.waitFor('approval API on')]);
    connection = await Connection.connect({ address: ctx.cluster.address });
    client = new Client({ connection });
    const guard = new GuardClient({ client, taskQueue: TASK_QUEUE });
    single = [];
    for (const [i, amount] of [4200, 2500].entries()) {
      const result = await guard.check(
        'process_refund',
        { amount, orderId: `vis-${i}` },
        { callId: `vis-single-${i}` },
      );
      expect(result.action).toBe('escalate');
      single.push(result.escalationId as string);
    }
    await guard.check('run_shell', { command: 'rm -rf /tmp/cache' }, { callId: 'vis-blocked' });
    await guard.check('export_rows', { rows: 20000 }, { callId: 'vis-audited' });
    const file = join(ctx.dir, 'vis-batch.jsonl');
    writeFileSync(file, batchLines(20, 5));
    const batches = new BatchClient(client, TASK_QUEUE);
    await batches.submitFile(file, { batchId, concurrency: 10 });
    const waiting = await eventually(
      () => batches.progress(batchId),
      (p) => p.done === 16 && p.pendingEscalations === 4,
    );
    inBatch = [...waiting.pendingIds].sort();
    // SQL visibility is written after the fact, like any visibility store: wait until it shows all six.
    await eventually(listed, (ids) => ids.length === 6);
  }, 180_000);

  afterAll(async () => {
    await connection?.close();
  });

  test('GET /v1/escalations: every filter of the approval API', async () => {
    expect(await listed()).toEqual([...single, ...inBatch].sort());
    expect(await listed('&tool=process_refund')).toEqual([...single, ...inBatch].sort());
    expect(await listed('&tool=lookup_order')).toEqual([]);
    expect(await listed(`&batch=${batchId}`)).toEqual(inBatch);
    expect(await listed('&newerThan=1h')).toEqual([...single, ...inBatch].sort());
    expect(await listed('&olderThan=1h')).toEqual([]);
    expect(await listed(`&batch=${batchId}&newerThan=10m&tool=process_refund`)).toEqual(inBatch);
  });

  test('page tokens of SQL visibility walk every escalation once; a forged one is a 400', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await api(`/v1/escalations?pageSize=4${token ? `&pageToken=${token}` : ''}`);
      expect(status).toBe(200);
      seen.push(...(body.escalations as { id: string }[]).map((e) => e.id));
      token = body.nextPageToken as string | undefined;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual([...single, ...inBatch].sort());
    const forged = await api('/v1/escalations?pageSize=4&pageToken=bm90LWEtdG9rZW4');
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: { code: 'GUARD_INVALID_REQUEST' } });
  });

  test('durable-guard escalations and results answer from SQL visibility', async () => {
    const all = JSON.parse(await cli(['escalations', '--json'])) as { escalations: { id: string }[] };
    expect(all.escalations.map((e) => e.id).sort()).toEqual([...single, ...inBatch].sort());
    const ofBatch = JSON.parse(
      await cli(['escalations', '--json', '--batch', batchId, '--tool', 'process_refund']),
    ) as {
      escalations: { id: string; batch?: string }[];
    };
    expect(ofBatch.escalations.map((e) => e.id).sort()).toEqual(inBatch);
    expect(ofBatch.escalations.every((e) => e.batch === batchId)).toBe(true);
    expect(await cli(['escalations', '--older-than', '1h'])).toContain('no pending escalations');

    const items = (await cli(['results', batchId, '--json']))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; status: string; action?: string });
    expect(items.map((i) => i.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(items.filter((i) => i.status === 'pending-approval')).toHaveLength(4);
  });

  test('the Web UI queries of docs/observability.md', async () => {
    const pending = [...single, ...inBatch].sort();
    expect(await workflowIds('GuardStatus = "pending-approval"')).toEqual(pending);
    expect(await workflowIds('GuardStatus = "pending-approval" AND GuardTool = "process_refund"')).toEqual(pending);
    expect(await workflowIds('GuardAction = "block" AND GuardRules IN ("no-rm-rf", "dangerous-shell")')).toEqual(
      expect.arrayContaining(['vis-blocked']),
    );
    expect(await workflowIds(`GuardBatchId = "${batchId}" AND GuardStatus IN ("pending-approval", "failed")`)).toEqual(
      inBatch,
    );
    expect(await workflowIds('GuardRules = "large-export"')).toEqual(['vis-audited']);
    expect(await workflowIds('GuardStatus = "timed-out" AND CloseTime > "2025-06-01T00:00:00Z"')).toEqual([]);
    const described = await client.workflow.getHandle('vis-single-0').describe();
    const fingerprint = described.typedSearchAttributes.get(guardFingerprintKey) as string;
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await workflowIds(`GuardFingerprint = "${fingerprint}"`)).toEqual(['vis-single-0']);
  });

  test('an escalation approved through the API leaves the pending listing', async () => {
    const [first] = single;
    const answer = await request(`${base}/v1/escalations/${first}/approve`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'fine' }),
    });
    expect(answer.statusCode).toBe(200);
    await eventually(listed, (ids) => !ids.includes(first as string));
    expect(await workflowIds(`GuardStatus = "pending-approval" AND GuardBatchId = "${batchId}"`)).toEqual(inBatch);
  });
});
