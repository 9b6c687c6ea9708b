import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { loadReceiptKeys } from '../../src/receipts/receipt-keys';
import { verifyReceipt } from '../../src/receipts/sign-receipt';
import type { GuardResult } from '../../src/workflows/definitions';
import { inputHash } from '../../src/workflows/receipt';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const root = join(__dirname, '..', '..');
const receiptEnv = { DURABLE_GUARD_RECEIPT_KEYS: `it-1:${randomBytes(32).toString('base64')}` };
const keys = loadReceiptKeys(receiptEnv)!;
const decider = tableDecider({
  refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'], approvals: { count: 2 } }),
  slow_refund: refundEscalated({ timeoutMs: 1_500 }),
});
const refunds: Record<string, unknown>[] = [];
const tools = {
  refund: async (input: Record<string, unknown>) => (refunds.push(input), { refunded: input.amount }),
};

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let dir: string;

beforeAll(async () => {
  env = await integrationEnv('receipts');
  worker = await env.worker(decider, tools, undefined, { receipts: keys });
  running = worker.run();
  dir = mkdtempSync(join(tmpdir(), 'receipts-it-'));
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, ...receiptEnv, TEMPORAL_ADDRESS: env.address, DURABLE_GUARD_TASK_QUEUE: env.taskQueue },
    },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

test('a policy decision carries a signed receipt in the result and the memo', async () => {
  const result = await env.guard.check('lookup', { user: 'u42' });
  expect(result.receipt).toMatchObject({
    escalationId: result.escalationId,
    tool: 'lookup',
    inputHash: inputHash({ user: 'u42' }),
    policyVersion: 'test-v1',
    decision: { action: 'allow', kind: 'policy' },
    approvers: [],
    ladderSteps: [],
    signature: { alg: 'Ed25519', keyId: 'it-1' },
  });
  expect(verifyReceipt(keys, result.receipt!, { user: 'u42' }).problems).toEqual([]);
  const handle = env.client.workflow.getHandle(result.escalationId as string);
  const memo = (await handle.describe()).memo as { receipt?: unknown };
  expect(memo.receipt).toEqual(result.receipt);
  await recordHistory(handle, 'receipt-policy-allow');
});

test("check()'s answer to a policy decision carries its signed receipt, every time", async () => {
  // The answer used to come as soon as the policy decided, before the signing: about one in four had no receipt.
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => env.guard.check('lookup', { user: `u${i}` })));
  const missing = answers.filter((answer) => answer.receipt === undefined).map((answer) => answer.escalationId);
  expect(missing).toEqual([]);
  answers.forEach((answer, i) => expect(verifyReceipt(keys, answer.receipt!, { user: `u${i}` }).problems).toEqual([]));
  await recordHistory(env.client.workflow.getHandle(answers[0]!.escalationId as string), 'receipt-in-answer-allow');
});

test('a quorum approval of an execute call: the receipt names both approvers and binds the input that ran', async () => {
  const id = `receipt-run-${randomBytes(4).toString('hex')}`;
  const input = { amount: 12_000, user: 'u7' };
  const handle = await env.client.workflow.start('guardedCall', {
    taskQueue: env.taskQueue,
    workflowId: id,
    args: [{ tool: 'refund', input, execute: true }],
  });
  await waitFor(async () => ((await env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  await env.guard.approve(id, { by: 'alice', groups: ['finance'] });
  await env.guard.approve(id, { by: 'bob', groups: ['finance'] });
  const result = (await handle.result()) as GuardResult;
  expect(result.toolResult).toEqual({ refunded: 12_000 });
  expect(result.receipt?.approvers.map((a) => [a.by, a.groups])).toEqual([
    ['alice', ['finance']],
    ['bob', ['finance']],
  ]);
  expect(result.receipt?.decision).toMatchObject({ action: 'allow', kind: 'human' });

  const ok = await cli('receipt', 'verify', id);
  expect(ok.stderr).toBe('');
  expect(JSON.parse(ok.stdout)).toMatchObject({ signature: 'valid', input: 'matches', valid: true, keyId: 'it-1' });

  const changed = await cli('receipt', 'verify', id, '--input', JSON.stringify({ ...input, amount: 120_000 }));
  expect(changed.code).toBe(1);
  expect(changed.stderr).toContain('GUARD_RECEIPT_INVALID: the input hashes to');

  const tampered = join(dir, 'tampered.json');
  writeFileSync(tampered, JSON.stringify({ ...result.receipt, approvers: result.receipt?.approvers.slice(1) }));
  const refused = await cli('receipt', 'verify', tampered);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('the signature does not match the receipt: it was changed after signing');
  await recordHistory(handle, 'receipt-quorum-execute');
  // Three CLI processes (tsx compiles the CLI each time: slow on a loaded machine).
}, 180_000);

test('a timeout carries a receipt of the block', async () => {
  const pending = await env.guard.check('slow_refund', { amount: 2_000 });
  const handle = env.client.workflow.getHandle(pending.escalationId as string);
  const result = (await handle.result()) as GuardResult;
  expect(result.receipt?.decision).toMatchObject({ action: 'block', kind: 'timeout' });
  expect(verifyReceipt(keys, result.receipt!, { amount: 2_000 }).problems).toEqual([]);
  await recordHistory(handle, 'receipt-timeout');
});
