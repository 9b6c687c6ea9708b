import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { BatchClient, GuardClient, type GuardApprovalError, type GuardCallIdConflict } from '../../src/client';
import {
  approveSignal,
  decideUpdate,
  denySignal,
  guardFingerprintKey,
  statusQuery,
  type GuardResult,
} from '../../src/workflows/definitions';
import { callFingerprint } from '../../src/workflows/fingerprint';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const root = join(__dirname, '..', '..');
const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
});
const transfers: Record<string, unknown>[] = [];
const tools = {
  transfer: async (input: Record<string, unknown>) => {
    transfers.push(input);
    return { transferred: input.amount };
  },
};

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('call-identity');
  worker = await env.worker(decider, tools);
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

const uniqueId = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

function expectConflict(err: unknown, callId: string, expected: string, found: string): GuardCallIdConflict {
  expect(err).toMatchObject({ name: 'GuardCallIdConflict', code: 'GUARD_CALL_ID_CONFLICT', callId, expected, found });
  const message = (err as Error).message;
  expect(message).toContain(expected);
  expect(message).toContain(found);
  expect(message).toContain('use a new callId');
  return err as GuardCallIdConflict;
}

async function fingerprintOf(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(guardFingerprintKey);
}

describe('a re-used callId with another call is refused', () => {
  test('a closed allow: rm -rf under the callId of ls is refused; the same ls attaches', async () => {
    const callId = uniqueId('shell');
    const ls = { tool: 'run_shell', input: { command: 'ls' } };
    const first = await env.guard.check(ls.tool, ls.input, { callId });
    expect(first).toMatchObject({ action: 'allow', escalationId: callId, fingerprint: callFingerprint(ls) });
    expect(await fingerprintOf(env.client.workflow.getHandle(callId))).toBe(callFingerprint(ls));
    const decisions = decider.calls.length;

    const rmRf = { tool: 'run_shell', input: { command: 'rm -rf /' } };
    const err = await rejection(env.guard.check(rmRf.tool, rmRf.input, { callId }));
    expectConflict(err, callId, callFingerprint(rmRf), callFingerprint(ls));
    await expect(env.guard.check(rmRf.tool, rmRf.input, { callId, waitForEscalation: true })).rejects.toMatchObject({
      name: 'GuardCallIdConflict',
    });
    // Another context is another call too.
    await expect(env.guard.check(ls.tool, ls.input, { callId, context: { user: 'u2' } })).rejects.toMatchObject({
      name: 'GuardCallIdConflict',
    });

    expect(await env.guard.check(ls.tool, { command: 'ls' }, { callId })).toEqual(first);
    expect(decider.calls.length).toBe(decisions);
  });

  test('another tool schema is another call: the callId of a call checked under a strict schema is refused to a looser one', async () => {
    const callId = uniqueId('schema');
    const strict = { type: 'object', properties: { command: { enum: ['ls'] } }, additionalProperties: false };
    const loose = { type: 'object' };
    const ls = { tool: 'run_shell', input: { command: 'ls' } };
    const first = await env.guard.check(ls.tool, ls.input, { callId, toolSchema: strict });
    const withStrict = callFingerprint({ ...ls, toolSchema: strict });
    expect(withStrict).not.toBe(callFingerprint(ls));
    expect(first).toMatchObject({ action: 'allow', escalationId: callId, fingerprint: withStrict });
    // The workflow's own upsert at the decision agrees with the client's fingerprint at start.
    const handle = env.client.workflow.getHandle(callId);
    await handle.result();
    expect(await fingerprintOf(handle)).toBe(withStrict);

    expectConflict(
      await rejection(env.guard.check(ls.tool, ls.input, { callId, toolSchema: loose })),
      callId,
      callFingerprint({ ...ls, toolSchema: loose }),
      withStrict,
    );
    expectConflict(
      await rejection(env.guard.check(ls.tool, ls.input, { callId })),
      callId,
      callFingerprint(ls),
      withStrict,
    );
    // The same schema in another key order is the same call.
    const reordered = { additionalProperties: false, properties: { command: { enum: ['ls'] } }, type: 'object' };
    expect(await env.guard.check(ls.tool, ls.input, { callId, toolSchema: reordered })).toEqual(first);
    await recordHistory(handle, 'allow-with-tool-schema');
  });

  test('a running escalation: a 99,999 refund under the callId of a 10 refund is refused at once, waiting or not', async () => {
    const callId = uniqueId('refund');
    const small = { tool: 'process_refund', input: { amount: 10 } };
    const pending = await env.guard.check(small.tool, small.input, { callId });
    expect(pending).toMatchObject({ action: 'escalate', escalationId: callId, fingerprint: callFingerprint(small) });

    const big = { tool: 'process_refund', input: { amount: 99_999 } };
    expectConflict(
      await rejection(env.guard.check(big.tool, big.input, { callId })),
      callId,
      callFingerprint(big),
      callFingerprint(small),
    );
    const started = Date.now();
    const waited = await rejection(env.guard.check(big.tool, big.input, { callId, waitForEscalation: true }));
    expect(waited).toMatchObject({ name: 'GuardCallIdConflict' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await env.client.workflow.getHandle(callId).query(statusQuery)).status).toBe('pending-approval');

    expect(await env.guard.check(small.tool, { amount: 10 }, { callId })).toMatchObject({
      action: 'escalate',
      escalationId: callId,
    });
    const identical = env.guard.check(small.tool, small.input, { callId, waitForEscalation: true });
    await env.guard.approve(callId, { by: 'fin', groups: ['finance'] });
    expect(await identical).toMatchObject({ action: 'allow', decidedBy: { identity: 'fin' } });
  });

  test("run(): the tool runs once; a second run() with other input throws and never returns the first's toolResult", async () => {
    const callId = uniqueId('transfer');
    const first = await env.guard.run('transfer', { amount: 10 }, { callId });
    expect(first).toMatchObject({ action: 'allow', toolResult: { transferred: 10 } });

    const err = await rejection(env.guard.run('transfer', { amount: 99_999 }, { callId }));
    expectConflict(
      err,
      callId,
      callFingerprint({ tool: 'transfer', input: { amount: 99_999 } }),
      callFingerprint({ tool: 'transfer', input: { amount: 10 } }),
    );
    expect(err).not.toHaveProperty('toolResult');
    expect(await env.guard.run('transfer', { amount: 10 }, { callId })).toEqual(first);
    expect(transfers.filter((t) => t.amount === 10 || t.amount === 99_999)).toEqual([{ amount: 10 }]);
  });

  test('a call started by a plain Temporal client gets its fingerprint from the workflow, and is checked against it', async () => {
    const callId = uniqueId('plain');
    const call = { tool: 'run_shell', input: { command: 'ls', flags: ['-l'] }, context: { user: 'u1' } };
    const handle = await env.client.workflow.start('guardedCall', {
      args: [call],
      taskQueue: env.taskQueue,
      workflowId: callId,
    });
    const result = (await handle.result()) as GuardResult;
    expect(result).toMatchObject({ action: 'allow', fingerprint: callFingerprint(call) });
    expect(await fingerprintOf(handle)).toBe(callFingerprint(call));
    await recordHistory(handle, 'fingerprint-upsert');

    expect(await env.guard.check(call.tool, call.input, { callId, context: { user: 'u1' } })).toEqual(result);
    await expect(
      env.guard.check(call.tool, { command: 'ls' }, { callId, context: { user: 'u1' } }),
    ).rejects.toMatchObject({ name: 'GuardCallIdConflict', found: callFingerprint(call) });
  });

  test('an execution without a recorded fingerprint is compared on its start input', async () => {
    // No worker polls this queue: the plain start never runs its first task, so no fingerprint is recorded.
    const idle = new GuardClient({ client: env.client, taskQueue: `${env.taskQueue}-idle` });
    const callId = uniqueId('unrecorded');
    const call = { tool: 'process_refund', input: { amount: 10 } };
    const handle = await env.client.workflow.start('guardedCall', {
      args: [call],
      taskQueue: `${env.taskQueue}-idle`,
      workflowId: callId,
    });
    try {
      expect(await fingerprintOf(handle)).toBeUndefined();
      const err = await rejection(idle.check('process_refund', { amount: 99_999 }, { callId }));
      expectConflict(err, callId, callFingerprint({ ...call, input: { amount: 99_999 } }), callFingerprint(call));
    } finally {
      await handle.terminate('test over');
    }
  });

  test('random callIds are never compared; a batch ID re-used with other items is refused', async () => {
    const a = await env.guard.check('run_shell', { command: 'ls' });
    const b = await env.guard.check('run_shell', { command: 'ls' });
    expect(a.escalationId).toMatch(/^guard-/);
    expect(b.escalationId).not.toBe(a.escalationId);

    const batches = new BatchClient(env.client, env.taskQueue);
    const batchId = uniqueId('batch');
    const items = [{ tool: 'transfer', input: { amount: 1 } }];
    const handle = await batches.submitItems(items, { batchId });
    const summary = await handle.result();
    expect(summary).toMatchObject({ state: 'completed', done: 1 });
    const again = await batches.submitItems([{ tool: 'transfer', input: { amount: 1 } }], { batchId });
    expect(again.workflowId).toBe(batchId);
    expect(await again.result()).toEqual(summary);
    const err = await rejection(batches.submitItems([{ tool: 'transfer', input: { amount: 99_999 } }], { batchId }));
    expect(err).toMatchObject({
      name: 'GuardCallIdConflict',
      code: 'GUARD_CALL_ID_CONFLICT',
      kind: 'batch',
      callId: batchId,
    });
    expect((err as Error).message).toContain(`batch ID '${batchId}'`);
    expect(transfers.filter((t) => t.amount === 99_999)).toEqual([]);
  });
});

describe('approver groups at the workflow boundary', () => {
  test('a decision without the rule groups is refused by update, ignored as a signal (SDK and CLI), then a member decides', async () => {
    const pending = await env.guard.check('process_refund', { amount: 4200 });
    const id = pending.escalationId as string;
    const handle = env.client.workflow.getHandle(id);

    const refused = (await rejection(env.guard.approve(id, { by: 'anyone' }))) as GuardApprovalError;
    expect(refused).toMatchObject({ name: 'GuardApprovalError', code: 'GUARD_APPROVER_NOT_ALLOWED' });
    expect(refused.message).toContain('finance');
    expect(refused.message).toContain('no groups');
    const wrongGroup = (await rejection(env.guard.deny(id, { by: 'eve', groups: ['support'] }))) as GuardApprovalError;
    expect(wrongGroup.code).toBe('GUARD_APPROVER_NOT_ALLOWED');
    const raw = await rejection(handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', by: 'raw' }] }));
    expect(raw).toMatchObject({ cause: { type: 'GUARD_APPROVER_NOT_ALLOWED' } });

    await handle.signal(approveSignal, { by: 'mallory' });
    await handle.signal(denySignal, { by: 'mallory', reason: 'no groups' });
    const cli =
      process.env.TEMPORAL_CLI_PATH ?? join(process.env.HOME ?? '', '.cache/durable-guard/temporal-1.5.1/temporal');
    await promisify(execFile)(cli, [
      'workflow',
      'signal',
      '--address',
      env.address,
      '--workflow-id',
      id,
      '--name',
      'approve',
      '--input',
      '{"by":"carol"}',
    ]);
    await waitFor(async () => {
      let signals = 0;
      for (const event of (await handle.fetchHistory()).events ?? []) {
        if (event.workflowExecutionSignaledEventAttributes) signals += 1;
      }
      return signals === 3 ? true : undefined;
    });
    // The update is processed after the three signals: had one been accepted, it would be refused as decided.
    const approved = await env.guard.approve(id, { by: 'fin', groups: ['support', 'finance'] });
    expect(approved).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'fin' } });
    expect(await env.guard.waitForResult(id)).toMatchObject({ decidedBy: { identity: 'fin' } });
    await recordHistory(handle, 'escalate-groups-required');
  });

  test('`durable-guard approve` without --groups names the groups and the flag', async () => {
    const pending = await env.guard.check('process_refund', { amount: 4300 });
    const id = pending.escalationId as string;
    const run = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', 'approve', id, '--by', 'dana'],
      { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: env.address, DURABLE_GUARD_TASK_QUEUE: env.taskQueue } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('GUARD_APPROVER_NOT_ALLOWED');
    expect(run.stderr).toContain('approver groups finance');
    expect(run.stderr).toContain(`durable-guard approve ${id} --groups finance`);
    await env.guard.deny(id, { by: 'fin', reason: 'cleanup', groups: ['finance'] });
  });
});
