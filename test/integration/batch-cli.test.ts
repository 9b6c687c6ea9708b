import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { createLedgerTools, readLedger } from '../../examples/tools/ledger-tools';
import type { BatchItemResult } from '../../src/client';
import type { BatchProgress, BatchSummary } from '../../src/workflows/definitions';
import { integrationEnv, tableDecider, waitFor } from './helpers';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'batch-cli-'));
const ledger = join(dir, 'ledger.jsonl');
let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('batch-cli');
  const decider = tableDecider({
    send_email: { action: 'modify', reason: 'PII redacted', rulesTriggered: [] },
    run_shell: { action: 'block', reason: 'rm -rf is not allowed', rulesTriggered: [] },
    process_refund: { action: 'escalate', reason: 'refund over 1000', rulesTriggered: [] },
  });
  worker = await env.worker(decider, createLedgerTools(ledger));
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `durable-guard ARGS` as its own process against the test server and this test's task queue. */
async function cli(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', ...args],
      {
        cwd: root,
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, DURABLE_GUARD_TASK_QUEUE: env.taskQueue },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function writeBatch(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('submit --wait prints the summary; status shows the progress; results --json lists every item', async () => {
  const path = writeBatch('mixed.jsonl', [
    JSON.stringify({ tool: 'lookup_order', input: { orderId: 'o-1' } }),
    JSON.stringify({ tool: 'send_email', input: { to: 'a@example.com' } }),
    JSON.stringify({ tool: 'run_shell', input: { cmd: 'rm -rf /' } }),
    'not json',
    JSON.stringify({ tool: 'process_refund', input: { amount: 4200 } }),
  ]);
  const batchId = `cli-${Date.now()}`;
  // The refund escalates and nobody answers: the 2 s approval window of --timeout ends it.
  const submitted = await cli('submit', path, '--wait', '--batch-id', batchId, '--timeout', '2s');
  expect(submitted.stderr).not.toContain('error:');
  expect(submitted.code).toBe(0);
  const summary = JSON.parse(submitted.stdout.slice(submitted.stdout.indexOf('{'))) as BatchSummary;
  expect(summary).toMatchObject({
    batchId,
    state: 'completed',
    done: 5,
    total: 5,
    counts: { byAction: { allow: 1, modify: 1, block: 2 }, escalated: 1 },
  });
  expect(summary.problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ index: 3, status: 'invalid' }),
      expect.objectContaining({ index: 4, itemId: `${batchId}/4`, reason: expect.stringContaining('timed out') }),
    ]),
  );
  expect(
    readLedger(ledger)
      .map((e) => e.key)
      .sort(),
  ).toEqual([`${batchId}/0`, `${batchId}/1`]);

  const status = await cli('status', batchId);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout) as BatchProgress).toMatchObject({ batchId, done: 5, total: 5, running: 0 });

  // Visibility is eventually consistent: wait until all four items show their final status.
  const items = await waitFor(async () => {
    const run = await cli('results', batchId, '--json');
    const rows = run.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as BatchItemResult);
    return rows.length === 4 && rows.every((r) => r.execution === 'COMPLETED') ? rows : undefined;
  }, 30_000);
  const byIndex = Object.fromEntries(items.map((r) => [r.index, r]));
  expect(byIndex).toEqual({
    0: expect.objectContaining({ itemId: `${batchId}/0`, tool: 'lookup_order', status: 'done', action: 'allow' }),
    1: expect.objectContaining({ tool: 'send_email', status: 'done', action: 'modify', reason: 'PII redacted' }),
    2: expect.objectContaining({ tool: 'run_shell', status: 'done', action: 'block' }),
    4: expect.objectContaining({ tool: 'process_refund', status: 'timed-out', action: 'block' }),
  });
}, 120_000);

test('submit --timeout refuses a malformed duration before starting anything', async () => {
  const path = writeBatch('one.jsonl', [JSON.stringify({ tool: 'lookup_order', input: { orderId: 'o-9' } })]);
  const batchId = `cli-bad-${Date.now()}`;
  const run = await cli('submit', path, '--batch-id', batchId, '--timeout', '3 days');
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(
    "--timeout must be a positive duration: a number and one of ms, s, m, h, d (e.g. 30s, 5m, 72h, 2d), got '3 days'",
  );
  const described = await env.client.workflow
    .getHandle(batchId)
    .describe()
    .catch((err: Error) => err.name);
  expect(described).toBe('WorkflowNotFoundError');
}, 60_000);
