import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import pLimit from 'p-limit';
import { auditPlan, auditDecider, PLAN_APPROVER, recordDecisions, type PlannedCall } from '../../bench/audit-decisions';
import { auditQuery, type AuditFilters } from '../../src/audit/audit-query';
import type { AuditRecord } from '../../src/audit/audit-record';
import { exportAudit } from '../../src/audit/export-audit';
import { GuardClient } from '../../src/client';
import { encryptingDataConverter } from '../../src/codec';
import { loadReceiptKeys, rawPublicKey } from '../../src/receipts/receipt-keys';
import { verifyReceipt } from '../../src/receipts/sign-receipt';
import type { GuardResult } from '../../src/workflows/definitions';
import { integrationEnv } from './helpers';

// AUDIT_EXPORT_N: a smaller N while iterating (a multiple of 40 keeps every tool, batch and outcome present).
const N = Number(process.env.AUDIT_EXPORT_N ?? 1000);
const root = join(__dirname, '..', '..');
const receiptEnv = { DURABLE_GUARD_RECEIPT_KEYS: `audit-1:${randomBytes(32).toString('base64')}` };
const keys = loadReceiptKeys(receiptEnv)!;
const codecKey = { id: 'audit-k1', key: randomBytes(32) };
const dataConverter = encryptingDataConverter([codecKey]);
const batches: [string, string] = [`batch-a-${randomUUID().slice(0, 6)}`, `batch-b-${randomUUID().slice(0, 6)}`];

type Env = Awaited<ReturnType<typeof integrationEnv>>;
let env: Env;
let secretEnv: Env;
let plan: PlannedCall[];
let secretPlan: PlannedCall[];
let dir: string;
const workers: { worker: Worker; running: Promise<void> }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-it-'));
  env = await integrationEnv('audit');
  secretEnv = await integrationEnv('audit-secret', { dataConverter });
  for (const [target, extra] of [
    [env, { receipts: keys }],
    [secretEnv, { receipts: keys, dataConverter }],
  ] as const) {
    const worker = await target.worker(auditDecider, undefined, undefined, extra);
    workers.push({ worker, running: worker.run() });
  }
  plan = auditPlan(N, `audit-${randomUUID().slice(0, 6)}`, batches);
  secretPlan = auditPlan(10, `audit-secret-${randomUUID().slice(0, 6)}`, batches);
  const started = Date.now();
  await Promise.all([
    recordDecisions(env.client, env.taskQueue, plan),
    recordDecisions(secretEnv.client, secretEnv.taskQueue, secretPlan),
  ]);
  process.stderr.write(
    `audit-export: ${N + 10} decisions recorded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}, 600_000);

afterAll(async () => {
  workers.forEach(({ worker }) => worker.shutdown());
  await Promise.all(workers.map(({ running }) => running));
  await Promise.all([env?.close(), secretEnv?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function exported(client: Client, filters: AuditFilters, withKeys = true): Promise<AuditRecord[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const written = await exportAudit(client, auditQuery(filters), out, {
    concurrency: 16,
    pageSize: 300,
    ...(withKeys ? { receiptKeys: keys } : {}),
  });
  out.end();
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines).toHaveLength(written);
  return lines.map((line) => JSON.parse(line) as AuditRecord);
}

const everything = (target: Env): AuditFilters => ({
  taskQueue: target.taskQueue,
  since: new Date(Date.now() - 3_600_000),
});

function expectedOf(p: PlannedCall) {
  switch (p.outcome) {
    case 'allow':
      return { action: 'allow', kind: 'policy', rules: [] };
    case 'block':
      return { action: 'block', kind: 'policy', rules: ['plan-block'] };
    case 'modify':
      return { action: 'modify', kind: 'policy', rules: ['plan-modify'] };
    case 'approve':
      return { action: 'allow', kind: 'human', identity: PLAN_APPROVER, rules: ['plan-escalate'] };
    case 'deny':
      return { action: 'block', kind: 'human', identity: PLAN_APPROVER, rules: ['plan-escalate'] };
    case 'timeout':
      return { action: 'block', kind: 'timeout', rules: ['plan-escalate'] };
  }
}

test(`${N} decisions: one line each, in close order, matching the results, every receipt verifying`, async () => {
  const started = Date.now();
  const records = await exported(env.client, everything(env));
  process.stderr.write(
    `audit-export: ${records.length} lines exported in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const { count } = await env.client.workflow.count(auditQuery(everything(env)));
  expect(count).toBe(N);
  expect(records).toHaveLength(N);
  expect(new Set(records.map((r) => r.escalationId))).toEqual(new Set(plan.map((p) => p.workflowId)));

  const closes = records.map((r) => Date.parse(r.closeTime as string));
  expect(closes.every((t, i) => i === 0 || t <= (closes[i - 1] as number))).toBe(true);

  const byId = new Map(plan.map((p) => [p.workflowId, p]));
  const guard = new GuardClient({ client: env.client, taskQueue: env.taskQueue });
  const limit = pLimit(16);
  const outcomes: Record<string, number> = {};
  await Promise.all(
    records.map((record) =>
      limit(async () => {
        const p = byId.get(record.escalationId) as PlannedCall;
        const result: GuardResult = await guard.waitForResult(record.escalationId);
        const expected = expectedOf(p);
        outcomes[p.outcome] = (outcomes[p.outcome] ?? 0) + 1;
        expect({ id: record.escalationId, action: record.action, decidedBy: record.decidedBy }).toEqual({
          id: p.workflowId,
          action: result.action,
          decidedBy: result.decidedBy,
        });
        expect([record.action, record.decidedBy?.kind, record.decidedBy?.identity]).toEqual([
          expected.action,
          expected.kind,
          expected.identity,
        ]);
        expect(record.rulesTriggered).toEqual(result.rulesTriggered);
        expect(record.rulesTriggered.map((r) => r.id)).toEqual(expected.rules);
        expect(record.tool).toBe(p.tool);
        expect(record.batch).toBe(p.batch);
        expect(record.policyVersion).toBe('audit-v1');
        expect(record.input).toEqual(p.outcome === 'modify' ? { ...p.input, redacted: true } : p.input);
        expect(record.receipt).toEqual(result.receipt);
        expect(record.receipt?.escalationId).toBe(p.workflowId);
        expect(verifyReceipt(keys, record.receipt!, record.input).problems).toEqual([]);
        expect(record.receiptValid).toBe(true);
      }),
    ),
  );
  const tenth = N / 10;
  expect(outcomes).toEqual({
    allow: 4 * tenth,
    block: tenth,
    modify: tenth,
    approve: 2 * tenth,
    deny: tenth,
    timeout: tenth,
  });
}, 300_000);

test('--tool, --batch and --since narrow the export to exactly the matching decisions', async () => {
  const all = await exported(env.client, everything(env), false);
  expect(all.every((r) => r.receiptValid === undefined)).toBe(true);
  const [batchA] = batches;
  const refunds = await exported(env.client, { ...everything(env), tool: 'process_refund' }, false);
  expect(refunds.map((r) => r.escalationId)).toEqual(
    all.filter((r) => r.tool === 'process_refund').map((r) => r.escalationId),
  );
  expect(refunds).toHaveLength(plan.filter((p) => p.tool === 'process_refund').length);
  const both = await exported(env.client, { ...everything(env), tool: 'get_order', batch: batchA }, false);
  const expectedBoth = plan.filter((p) => p.tool === 'get_order' && p.batch === batchA);
  expect(both.length).toBe(expectedBoth.length);
  expect(new Set(both.map((r) => r.escalationId))).toEqual(new Set(expectedBoth.map((p) => p.workflowId)));

  // A time strictly between two close times (visibility keeps more than milliseconds): the newer side only.
  const middle = Date.parse(all[Math.floor(all.length / 2)]?.closeTime as string);
  const since = new Date(middle + 1);
  const newer = await exported(env.client, { ...everything(env), since }, false);
  const expectedNewer = all.filter((r) => Date.parse(r.closeTime as string) >= since.getTime());
  expect(newer.map((r) => r.escalationId)).toEqual(expectedNewer.map((r) => r.escalationId));
  expect(newer.length).toBeGreaterThan(0);
  expect(newer.length).toBeLessThan(all.length);
}, 300_000);

test('encrypted histories: decrypted with the codec keys, an error naming the key id without them', async () => {
  const records = await exported(secretEnv.client, everything(secretEnv));
  expect(records).toHaveLength(secretPlan.length);
  for (const record of records) {
    const p = secretPlan.find((q) => q.workflowId === record.escalationId) as PlannedCall;
    expect(record.input).toEqual(p.outcome === 'modify' ? { ...p.input, redacted: true } : p.input);
    expect(record.receiptValid).toBe(true);
  }
  const plain = new Client({ connection: secretEnv.client.connection });
  await expect(exported(plain, everything(secretEnv))).rejects.toThrow(
    /encrypted with codec key id 'audit-k1'; set DURABLE_GUARD_CODEC_KEYS/,
  );
  const wrongKeys = new Client({
    connection: secretEnv.client.connection,
    dataConverter: encryptingDataConverter([{ id: 'other', key: randomBytes(32) }]),
  });
  await expect(exported(wrongKeys, everything(secretEnv))).rejects.toThrow(
    /key id 'audit-k1', which is not configured/,
  );
});

test('the CLI writes the same lines to --out, and refuses a bad flag by name', async () => {
  const run = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', 'audit', 'export', ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: env.address,
          DURABLE_GUARD_TASK_QUEUE: env.taskQueue,
          DURABLE_GUARD_RECEIPT_PUBLIC_KEYS: `audit-1:${rawPublicKey(keys.signing!.key)}`,
        },
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
  const file = join(dir, 'audit.jsonl');
  const [batchA] = batches;
  const ok = await run('--since', '1h', '--tool', 'process_refund', '--batch', batchA, '--out', file);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
  const module = await exported(env.client, { ...everything(env), tool: 'process_refund', batch: batchA });
  expect(lines.map((l) => l.escalationId)).toEqual(module.map((r) => r.escalationId));
  expect(lines.every((l) => l.receiptValid === true)).toBe(true);
  expect(lines).toHaveLength(plan.filter((p) => p.tool === 'process_refund' && p.batch === batchA).length);

  const bad = await run('--since', 'yesterday');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('--since must be a duration ago');
  expect(bad.stderr).toContain("got 'yesterday'");
}, 180_000);
