import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { GuardApprovalError } from '../../src/client';
import { approveSignal, denySignal, statusQuery, type GuardResult } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const decider = tableDecider({
  two_approvers: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'], approvals: { count: 2 } }),
  three_approvers: refundEscalated({ timeoutMs: 60_000, approvals: { count: 3 } }),
  finance_and_legal: refundEscalated({
    timeoutMs: 60_000,
    approverGroups: ['finance', 'legal'],
    approvals: { count: 2, allOf: ['finance', 'legal'] },
  }),
  short_quorum: refundEscalated({ timeoutMs: 2_000, approvals: { count: 2 } }),
  one_approver: refundEscalated({ timeoutMs: 60_000 }),
});

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('quorum');
  worker = await env.worker(decider);
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

async function escalate(tool: string, context?: Record<string, unknown>): Promise<string> {
  const result = await env.guard.check(tool, { amount: 25_000 }, context ? { context } : {});
  expect(result.action).toBe('escalate');
  return result.escalationId as string;
}

async function refusal(promise: Promise<unknown>): Promise<GuardApprovalError> {
  return promise.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (err: GuardApprovalError) => err,
  );
}

/** The Web UI's "current details" of a running workflow (the built-in metadata query). */
async function currentDetails(id: string): Promise<string> {
  const meta = await env.client.workflow
    .getHandle(id)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

test('two approvers: the first is counted and shown everywhere, the second decides', async () => {
  const id = await escalate('two_approvers');
  const first = await env.guard.approve(id, { by: 'alice', groups: ['finance'] });
  expect(first).toMatchObject({
    action: 'escalate',
    reason: 'approval by alice counted: 1 of 2 approvals (alice); still needed: 1',
    approvals: { required: 2, remaining: 1, approvals: [{ by: 'alice', groups: ['finance'] }] },
  });
  const status = await env.guard.status(id);
  expect(status).toMatchObject({ status: 'pending-approval', approvals: { remaining: 1 } });
  expect(await currentDetails(id)).toContain('Quorum: 1 of 2 approvals (alice); still needed: 1');
  const memo = (await env.client.workflow.getHandle(id).describe()).memo as { approvals?: unknown };
  expect(memo.approvals).toMatchObject({ approvals: [{ by: 'alice' }], remaining: 1 });

  const final = await env.guard.approve(id, { by: 'bob', groups: ['finance'], reason: 'checked the ticket' });
  expect(final).toMatchObject({
    action: 'allow',
    reason: 'checked the ticket',
    decidedBy: { kind: 'human', identity: 'bob' },
    approvals: { remaining: 0, approvals: [{ by: 'alice' }, { by: 'bob', reason: 'checked the ticket' }] },
  });
  const handle = env.client.workflow.getHandle(id);
  expect(await handle.result()).toMatchObject({ action: 'allow', approvals: { remaining: 0 } });
  const closedMemo = (await handle.describe()).memo as { approvals?: { approvals: unknown[] } };
  expect(closedMemo.approvals?.approvals).toHaveLength(2);
  await recordHistory(handle, 'quorum-two-approvers');
});

test('allOf: two of finance leave legal missing; one of legal completes it', async () => {
  const id = await escalate('finance_and_legal');
  await env.guard.approve(id, { by: 'alice', groups: ['finance'] });
  const second = await env.guard.approve(id, { by: 'bob', groups: ['finance'] });
  expect(second).toMatchObject({ action: 'escalate', approvals: { remaining: 1, missingGroups: ['legal'] } });
  const outsider = await refusal(env.guard.approve(id, { by: 'mallory', groups: ['ops'] }));
  expect(outsider.code).toBe('GUARD_APPROVER_NOT_ALLOWED');
  const final = await env.guard.approve(id, { by: 'carol', groups: ['legal'] });
  expect(final).toMatchObject({ action: 'allow', approvals: { missingGroups: [], remaining: 0 } });
  await recordHistory(env.client.workflow.getHandle(id), 'quorum-all-of');
});

test('the requester never approves its own call (update refused, signal ignored); its denial counts', async () => {
  const id = await escalate('one_approver', { caller: 'agent-7', agent: 'support-bot' });
  const self = await refusal(env.guard.approve(id, { by: 'Agent-7' }));
  expect(self).toMatchObject({
    code: 'GUARD_SELF_APPROVAL',
    message:
      'Agent-7 may not approve ' +
      id +
      ": it is the call's requester (context.caller or context.agent); another approver must decide",
  });
  expect((await refusal(env.guard.approve(id, { by: 'support-bot' }))).code).toBe('GUARD_SELF_APPROVAL');
  const handle = env.client.workflow.getHandle(id);
  await handle.signal(approveSignal, { by: 'agent-7' });
  // The signal is applied in history and ignored: the call still waits; a later deny decides.
  await handle.signal(denySignal, { by: 'bob', reason: 'not today' });
  const result = await handle.result();
  expect(result).toMatchObject({ action: 'block', reason: 'not today', decidedBy: { identity: 'bob' } });
  await recordHistory(handle, 'self-approval-refused');
});

test('two approvers racing both count; the same approver twice at once counts once', async () => {
  const racing = await escalate('two_approvers');
  const [a, b] = await Promise.all([
    env.guard.approve(racing, { by: 'alice', groups: ['finance'] }),
    env.guard.approve(racing, { by: 'bob', groups: ['finance'] }),
  ]);
  const answers = [a, b].map((r: GuardResult) => r.action).sort();
  expect(answers).toEqual(['allow', 'escalate']);
  const result = (await env.client.workflow.getHandle(racing).result()) as GuardResult;
  expect(result.approvals?.approvals.map((v) => v.by).sort()).toEqual(['alice', 'bob']);

  const twice = await escalate('three_approvers');
  const handle = env.client.workflow.getHandle(twice);
  const settled = await Promise.allSettled([
    env.guard.approve(twice, { by: 'alice' }),
    env.guard.approve(twice, { by: 'alice' }),
    handle.signal(approveSignal, { by: 'alice' }),
    env.guard.approve(twice, { by: 'ALICE' }),
  ]);
  const updates = [settled[0], settled[1], settled[3]];
  // The signal may win the race: then every update is refused; never more than one is accepted.
  expect(updates.filter((s) => s.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  for (const s of updates.filter((s): s is PromiseRejectedResult => s.status === 'rejected')) {
    expect((s.reason as GuardApprovalError).code).toBe('GUARD_ALREADY_VOTED');
  }
  const status = await waitFor(async () => handle.query(statusQuery));
  expect(status.approvals?.approvals.map((v) => v.by.toLowerCase())).toEqual(['alice']);
  expect(status.approvals?.remaining).toBe(2);
  await env.guard.deny(twice, { by: 'dave', reason: 'racing test done' });
  expect((await handle.result()).action).toBe('block');
});

test('an approval that edits the input is refused under a quorum; the window may close on partial votes', async () => {
  const id = await escalate('short_quorum');
  const edit = await refusal(env.guard.approve(id, { by: 'alice', modifiedInput: { amount: 10 } }));
  expect(edit).toMatchObject({ code: 'GUARD_QUORUM_EDIT_REFUSED' });
  expect(edit.message).toContain('the rule needs 2 approvers');
  await env.guard.approve(id, { by: 'alice' });
  const handle = env.client.workflow.getHandle(id);
  const result = await handle.result();
  expect(result).toMatchObject({
    action: 'block',
    decidedBy: { kind: 'timeout' },
    approvals: { approvals: [{ by: 'alice' }], remaining: 1 },
  });
  await recordHistory(handle, 'quorum-timeout-partial');
});

test('a denial denies a quorum at once', async () => {
  const id = `quorum-deny-${randomUUID().slice(0, 8)}`;
  const started = await env.guard.check('two_approvers', { amount: 25_000 }, { callId: id });
  expect(started.action).toBe('escalate');
  await env.guard.approve(id, { by: 'alice', groups: ['finance'] });
  const denied = await env.guard.deny(id, { by: 'bob', groups: ['finance'], reason: 'duplicate refund' });
  expect(denied).toMatchObject({
    action: 'block',
    reason: 'duplicate refund',
    approvals: { approvals: [{ by: 'alice' }], denials: [{ by: 'bob' }] },
  });
});
