import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { GuardApprovalError } from '../../src/client';
import { findTemporalCli } from '../../src/server/find-cli';
import { approveSignal, decideUpdate, statusQuery, type GuardResult } from '../../src/workflows/definitions';
import { piiRedacted, refundEscalated, rmRfBlocked } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const decider = tableDecider({
  send_email: piiRedacted(),
  run_shell: rmRfBlocked,
  process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
  export_rows: { action: 'allow', rulesTriggered: [{ id: 'large-export', action: 'block', mode: 'audit' }] },
});

const toolRuns: { tool: string; input: Record<string, unknown>; key: string }[] = [];
const tools = {
  process_refund: async (input: Record<string, unknown>, ctx: { idempotencyKey: string }) => {
    toolRuns.push({ tool: 'process_refund', input, key: ctx.idempotencyKey });
    return { refunded: input.amount };
  },
  send_email: async (input: Record<string, unknown>, ctx: { idempotencyKey: string }) => {
    toolRuns.push({ tool: 'send_email', input, key: ctx.idempotencyKey });
    return { sent: true };
  },
  run_shell: async (input: Record<string, unknown>, ctx: { idempotencyKey: string }) => {
    toolRuns.push({ tool: 'run_shell', input, key: ctx.idempotencyKey });
    return { exitCode: 0 };
  },
  flaky_tool: async () => {
    throw ApplicationFailure.nonRetryable('the mail server rejected the address', 'BadAddress');
  },
};

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('guarded-call');
  worker = await env.worker(decider, tools);
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

const handleOf = (id: string) => env.client.workflow.getHandle(id);
/** The refund rule's approver groups: a decision must carry one. */
const finance = ['finance'];

async function pendingRefund(amount = 4200, options = {}): Promise<string> {
  const result = await env.guard.check('process_refund', { amount }, options);
  expect(result.action).toBe('escalate');
  expect(result.escalationId).toBeDefined();
  return result.escalationId as string;
}

async function approvalError(promise: Promise<unknown>): Promise<GuardApprovalError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'GuardApprovalError' });
  return err as GuardApprovalError;
}

describe('policy decisions without a human', () => {
  test('allow returns the policy decision and records it in search attributes', async () => {
    const result = await env.guard.check('read_file', { path: '/etc/hosts' });
    expect(result).toMatchObject({
      action: 'allow',
      rulesTriggered: [],
      policyVersion: 'test-v1',
      decidedBy: { kind: 'policy' },
    });
    const id = result.escalationId as string;
    const listed = await waitFor(async () => {
      for await (const wf of env.client.workflow.list({
        query: `WorkflowId = '${id}' AND GuardStatus = 'done' AND GuardAction = 'allow'`,
      })) {
        return wf;
      }
      return undefined;
    });
    expect(listed.typedSearchAttributes.get({ name: 'GuardTool', type: 'KEYWORD' } as never)).toBe('read_file');
    await recordHistory(handleOf(id), 'allow');
  });

  test('modify returns the rewritten input', async () => {
    const result = await env.guard.check('send_email', { to: 'a@b.example', body: 'hi' });
    expect(result.action).toBe('modify');
    expect(result.modifiedInput).toEqual({ to: 'a@b.example', body: 'hi', redacted: true });
    expect(result.rulesTriggered.map((r) => r.id)).toEqual(['redact-pii']);
    await recordHistory(handleOf(result.escalationId as string), 'modify');
  });

  test('block says why and which rules fired', async () => {
    const result = await env.guard.check('run_shell', { cmd: 'rm -rf /' });
    expect(result).toMatchObject({
      action: 'block',
      reason: 'rm -rf is not allowed',
      rulesTriggered: [{ id: 'no-rm-rf', mode: 'enforce' }],
    });
    const description = await handleOf(result.escalationId as string).describe();
    expect(description.status.name).toBe('COMPLETED');
    await recordHistory(handleOf(result.escalationId as string), 'block');
  });

  test('audit-mode hits are reported but let the call through', async () => {
    const result = await env.guard.check('export_rows', { rows: 50_000 });
    expect(result.action).toBe('allow');
    expect(result.rulesTriggered).toEqual([{ id: 'large-export', action: 'block', mode: 'audit' }]);
  });
});

describe('escalations', () => {
  test('fire-and-forget returns escalate while the workflow waits, findable by visibility query', async () => {
    const id = await pendingRefund();
    const handle = handleOf(id);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ status: 'pending-approval', tool: 'process_refund', approverGroups: ['finance'] });
    expect(Date.parse(status.expiresAt as string)).toBeGreaterThan(Date.now() + 50_000);
    await waitFor(async () => {
      for await (const wf of env.client.workflow.list({
        query: `GuardStatus = 'pending-approval' AND GuardTool = 'process_refund' AND WorkflowId = '${id}'`,
      })) {
        return wf;
      }
      return undefined;
    });
    const approved = await env.guard.approve(id, { by: 'alice', reason: 'customer is right', groups: finance });
    expect(approved).toMatchObject({
      action: 'allow',
      reason: 'customer is right',
      decidedBy: { kind: 'human', identity: 'alice' },
    });
    expect(await env.guard.waitForResult(id)).toMatchObject({ action: 'allow', decidedBy: { identity: 'alice' } });
    expect((await handle.query(statusQuery)).status).toBe('approved');
    await recordHistory(handle, 'escalate-approve-update');
  });

  test('approve signal from the TypeScript client resumes the call', async () => {
    const id = await pendingRefund();
    await handleOf(id).signal(approveSignal, { by: 'bob', groups: finance });
    const result = await env.guard.waitForResult(id);
    expect(result).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'bob' } });
    await recordHistory(handleOf(id), 'escalate-approve-signal');
  });

  test('approve via the plain `temporal workflow signal` CLI', async () => {
    const cli = await findTemporalCli();
    expect(cli).toBeDefined();
    const id = await pendingRefund();
    await promisify(execFile)(cli!.path, [
      'workflow',
      'signal',
      '--address',
      env.address,
      '--workflow-id',
      id,
      '--name',
      'approve',
      '--input',
      '{"by":"carol","groups":["finance"]}',
    ]);
    const result = await env.guard.waitForResult(id);
    expect(result).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'carol' } });
  });

  test('approve with edited input resolves to modify; an edit the policy blocks is refused', async () => {
    const id = await pendingRefund();
    const refused = await approvalError(
      env.guard.approve(id, { by: 'alice', groups: finance, modifiedInput: { amount: 1, forbidden: true } }),
    );
    expect(refused.code).toBe('GUARD_EDIT_REFUSED');
    expect(refused.message).toContain('forbidden field present');
    expect((await handleOf(id).query(statusQuery)).status).toBe('pending-approval');
    const result = await env.guard.approve(id, { by: 'alice', groups: finance, modifiedInput: { amount: 1000 } });
    expect(result).toMatchObject({
      action: 'modify',
      modifiedInput: { amount: 1000 },
      decidedBy: { identity: 'alice' },
    });
    await recordHistory(handleOf(id), 'escalate-approve-edited');
  });

  test('deny blocks with the approver reason', async () => {
    const id = await pendingRefund();
    const result = await env.guard.deny(id, { by: 'bob', reason: 'over budget', groups: finance });
    expect(result).toMatchObject({
      action: 'block',
      reason: 'over budget',
      decidedBy: { kind: 'human', identity: 'bob' },
    });
    expect((await handleOf(id).query(statusQuery)).status).toBe('denied');
    await recordHistory(handleOf(id), 'escalate-deny');
  });

  test('a 2-second escalation times out to block, and a late approval says it timed out', async () => {
    const id = await pendingRefund(4200, { escalationTimeout: '2s' });
    const result = await env.guard.waitForResult(id);
    expect(result).toMatchObject({ action: 'block', decidedBy: { kind: 'timeout' } });
    expect(result.reason).toBe('escalation timed out after 2s without a decision');
    const late = await approvalError(env.guard.approve(id, { by: 'alice' }));
    expect(late.code).toBe('GUARD_TIMED_OUT');
    await waitFor(async () => {
      for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${id}' AND GuardStatus = 'timed-out'` }))
        return wf;
      return undefined;
    });
    await recordHistory(handleOf(id), 'escalate-timeout');
  });

  test('waitForEscalation returns the final decision', async () => {
    const started = Date.now();
    const result = await env.guard.check(
      'process_refund',
      { amount: 5 },
      { waitForEscalation: true, escalationTimeout: 1500 },
    );
    expect(result.action).toBe('block');
    expect(result.reason).toContain('timed out after');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  test('double approval: the second is refused as already decided; concurrent approvals record one', async () => {
    const id = await pendingRefund();
    await env.guard.approve(id, { by: 'alice', groups: finance });
    const second = await approvalError(env.guard.approve(id, { by: 'bob', groups: finance }));
    expect(second.code).toBe('GUARD_ALREADY_DECIDED');
    expect(second.message).toContain('alice');

    const racing = await pendingRefund();
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((by) => env.guard.approve(racing, { by, groups: finance })),
    );
    const winners = outcomes.filter((o) => o.status === 'fulfilled') as PromiseFulfilledResult<GuardResult>[];
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[]) {
      expect((loser.reason as GuardApprovalError).code).toBe('GUARD_ALREADY_DECIDED');
    }
    const final = await env.guard.waitForResult(racing);
    expect(final.decidedBy?.identity).toBe(winners[0]!.value.decidedBy?.identity);
  });

  test('an approver outside the rule groups is refused; a member decides', async () => {
    const id = await pendingRefund();
    const refused = await approvalError(env.guard.approve(id, { by: 'eve', groups: ['support'] }));
    expect(refused.code).toBe('GUARD_APPROVER_NOT_ALLOWED');
    const result = await env.guard.approve(id, { by: 'fin', groups: ['finance'] });
    expect(result.decidedBy?.identity).toBe('fin');
  });
});

describe('execute mode', () => {
  test('run executes the tool once per callId, even when re-submitted', async () => {
    const callId = `refund-u42-${Date.now()}`;
    const first = env.guard.run('send_email', { to: 'x@y.example' }, { callId });
    const second = env.guard.run('send_email', { to: 'x@y.example' }, { callId });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ action: 'modify', toolResult: { sent: true } });
    const third = await env.guard.run('send_email', { to: 'x@y.example' }, { callId });
    expect(third).toEqual(a);
    const runs = toolRuns.filter((r) => r.key === callId);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.input).toEqual({ to: 'x@y.example', redacted: true });
    await recordHistory(handleOf(callId), 'execute-modify');
  });

  test('an escalated execute call runs the tool after approval with the edited input', async () => {
    const callId = `refund-exec-${Date.now()}`;
    const pending = env.guard.run('process_refund', { amount: 9000 }, { callId });
    await waitFor(async () =>
      (await handleOf(callId).query(statusQuery)).status === 'pending-approval' ? true : undefined,
    );
    await env.guard.approve(callId, { by: 'alice', groups: finance, modifiedInput: { amount: 1000 } });
    const result = await pending;
    expect(result).toMatchObject({ action: 'modify', toolResult: { refunded: 1000 } });
    expect(toolRuns.filter((r) => r.key === callId).map((r) => r.input)).toEqual([{ amount: 1000 }]);
    await recordHistory(handleOf(callId), 'execute-escalate-approve');
  });

  test('run throws GuardBlocked on block and never runs the tool', async () => {
    const before = toolRuns.length;
    const err = await env.guard.run('run_shell', { cmd: 'rm -rf /' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'GuardBlocked', tool: 'run_shell', reason: 'rm -rf is not allowed' });
    expect((err as { rulesTriggered: unknown[] }).rulesTriggered).toEqual([
      { id: 'no-rm-rf', action: 'block', mode: 'enforce' },
    ]);
    expect(toolRuns.length).toBe(before);
  });

  test('an unknown tool is blocked with a clear reason, not a failed workflow', async () => {
    const err = await env.guard.run('no_such_tool', { a: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'GuardBlocked' });
    expect((err as Error).message).toContain("unknown tool 'no_such_tool'");
    expect((err as Error).message).toContain('process_refund');
    await recordHistory(handleOf((err as { escalationId: string }).escalationId), 'execute-unknown-tool');
  });

  test('a tool that fails for good surfaces as GuardToolFailed', async () => {
    const err = await env.guard.run('flaky_tool', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'GuardToolFailed', tool: 'flaky_tool' });
    expect((err as Error).message).toContain('the mail server rejected the address');
    const handle = handleOf((err as { callId: string }).callId);
    expect((await handle.query(statusQuery)).status).toBe('failed');
    await recordHistory(handle, 'execute-tool-failed');
  });
});

describe('bad input', () => {
  test('non-object input and bad tool names are refused before reaching Temporal', async () => {
    await expect(env.guard.check('x', [] as never)).rejects.toMatchObject({
      name: 'GuardInputError',
      message: expect.stringContaining('an array'),
    });
    await expect(env.guard.check('', {})).rejects.toMatchObject({ name: 'GuardInputError' });
    await expect(env.guard.check('ok', {}, { escalationTimeout: 'soon' as never })).rejects.toMatchObject({
      name: 'GuardInputError',
      message: expect.stringContaining('soon'),
    });
  });

  test('a malformed call started directly resolves to block, not a failed workflow', async () => {
    const handle = await env.client.workflow.start('guardedCall', {
      args: [{ tool: 'x', input: 'nope' }],
      taskQueue: env.taskQueue,
      workflowId: `bad-${Date.now()}`,
    });
    const result = (await handle.result()) as GuardResult;
    expect(result.action).toBe('block');
    expect(result.reason).toContain('must be a JSON object');
    await recordHistory(handle, 'invalid-call');
  });

  test('malformed decide payload is rejected by the validator; a bad signal is ignored', async () => {
    const id = await pendingRefund();
    const handle = handleOf(id);
    const err = await handle
      .executeUpdate(decideUpdate, { args: [{ decision: 'maybe', by: 'x' } as never] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('GUARD_INVALID_APPROVAL');
    await handle.signal(approveSignal, { reason: 'no by' } as never);
    await handle.signal('approve', 'not even an object');
    expect((await handle.query(statusQuery)).status).toBe('pending-approval');
    const result = await env.guard.deny(id, { by: 'ops', reason: 'cleanup', groups: finance });
    expect(result.action).toBe('block');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await recordHistory(handle, 'escalate-bad-messages-deny');
  });

  test('approving a call that was never escalated, or does not exist, says which', async () => {
    const allowed = await env.guard.check('read_file', { path: 'a' });
    const notEscalated = await approvalError(env.guard.approve(allowed.escalationId as string, { by: 'alice' }));
    expect(notEscalated.code).toBe('GUARD_NOT_ESCALATED');
    const missing = await approvalError(env.guard.approve('guard-does-not-exist', { by: 'alice' }));
    expect(missing.code).toBe('GUARD_ESCALATION_NOT_FOUND');
    const malformed = await approvalError(env.guard.approve('guard-does-not-exist', { by: '' }));
    expect(malformed.code).toBe('GUARD_INVALID_APPROVAL');
  });
});
