/**
 * Tools registered with `local: true` run as local activities in the workflow task that decided the call: one
 * workflow task, no activity events, the status shown once after the run, and the effect made once per key.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { ToolContext, ToolRegistry } from '../../src/activities/tools';
import { guardActionKey, guardStatusKey, guardToolKey, statusQuery } from '../../src/workflows/definitions';
import { piiRedacted, refundEscalated } from './fixtures/decisions';
import { recordHistory, tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  send_email: piiRedacted(),
  process_refund: refundEscalated({ timeoutMs: 60_000 }),
});

const runs: { tool: string; key: string; input: Record<string, unknown> }[] = [];
let failuresLeft = 0;
const tools: ToolRegistry = {
  send_email: {
    local: true,
    run: (input: Record<string, unknown>, ctx: ToolContext) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('mail server busy');
      }
      runs.push({ tool: 'send_email', key: ctx.idempotencyKey, input });
      return { sent: true };
    },
  },
  process_refund: {
    local: true,
    run: (input: Record<string, unknown>, ctx: ToolContext) => {
      runs.push({ tool: 'process_refund', key: ctx.idempotencyKey, input });
      return { refunded: input.amount };
    },
  },
  lookup_order: {
    local: true,
    run: () => {
      throw ApplicationFailure.nonRetryable('order database is read-only', 'ReadOnly');
    },
  },
};

const ctx = workerForFile('local-tools', decider, tools);

/** Each event's kind, named by its attributes field: 'markerRecorded', 'activityTaskScheduled', ... */
async function eventKinds(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => {
    const field = Object.keys(e).find((k) => k.endsWith('EventAttributes') && e[k as keyof typeof e]);
    return (field ?? '?').replace(/EventAttributes$/, '');
  });
}

async function searchAttributes(id: string) {
  const description = await ctx.env.client.workflow.getHandle(id).describe();
  const attrs = description.typedSearchAttributes;
  return {
    status: attrs.get(guardStatusKey),
    action: attrs.get(guardActionKey),
    tool: attrs.get(guardToolKey),
  };
}

test('a local tool runs in the deciding workflow task: no activity events, one status upsert', async () => {
  const callId = `local-modify-${Date.now()}`;
  const result = await ctx.env.guard.run('send_email', { to: 'a@b.example' }, { callId });
  expect(result).toMatchObject({ action: 'modify', toolResult: { sent: true } });
  expect(runs.filter((r) => r.key === callId).map((r) => r.input)).toEqual([{ to: 'a@b.example', redacted: true }]);

  const handle = ctx.env.client.workflow.getHandle(callId);
  const kinds = await eventKinds(handle);
  expect(kinds).toEqual([
    'workflowExecutionStarted',
    'workflowTaskScheduled',
    'workflowTaskStarted',
    'workflowTaskCompleted',
    'markerRecorded', // the changes asked at start (patches-at-start.ts)
    'upsertWorkflowSearchAttributes', // its TemporalChangeVersion, which Temporal's core sets with every patch
    'markerRecorded', // the decision
    'workflowPropertiesModified', // the memo: reason and rules
    'markerRecorded', // the tool's run
    // 'running-tool' is never shown: the first status after the decision is the one after the run.
    'upsertWorkflowSearchAttributes',
    'workflowExecutionCompleted',
  ]);
  expect(await searchAttributes(callId)).toEqual({ status: 'done', action: 'modify', tool: 'send_email' });
  expect((await handle.query(statusQuery)).decision).not.toHaveProperty('runToolLocally');
  await recordHistory(handle, 'execute-local-modify');
});

test('a local tool that fails is retried with the same idempotency key; its effect is made once', async () => {
  const callId = `local-retry-${Date.now()}`;
  failuresLeft = 2;
  const result = await ctx.env.guard.run('send_email', { to: 'c@d.example' }, { callId });
  expect(result).toMatchObject({ action: 'modify', toolResult: { sent: true } });
  expect(failuresLeft).toBe(0);
  expect(runs.filter((r) => r.key === callId)).toHaveLength(1);
  await recordHistory(ctx.env.client.workflow.getHandle(callId), 'execute-local-retry');
});

test('a local tool that fails for good surfaces as GuardToolFailed, with status failed and the action shown', async () => {
  const err = await ctx.env.guard.run('lookup_order', { orderId: 'o-1' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'GuardToolFailed', tool: 'lookup_order' });
  expect((err as Error).message).toContain('order database is read-only');
  const callId = (err as { callId: string }).callId;
  const handle = ctx.env.client.workflow.getHandle(callId);
  expect((await handle.query(statusQuery)).status).toBe('failed');
  expect(await searchAttributes(callId)).toEqual({ status: 'failed', action: 'allow', tool: 'lookup_order' });
  await recordHistory(handle, 'execute-local-tool-failed');
});

test('an escalated call with a local tool runs it after approval, with the approver edit', async () => {
  const callId = `local-escalate-${Date.now()}`;
  const pending = ctx.env.guard.run('process_refund', { amount: 9000 }, { callId });
  const handle = ctx.env.client.workflow.getHandle(callId);
  await waitFor(async () => ((await handle.query(statusQuery)).status === 'pending-approval' ? true : undefined));
  expect(runs.filter((r) => r.key === callId)).toEqual([]);
  await ctx.env.guard.approve(callId, { by: 'alice', modifiedInput: { amount: 500 } });
  expect(await pending).toMatchObject({ action: 'modify', toolResult: { refunded: 500 } });
  expect(runs.filter((r) => r.key === callId).map((r) => r.input)).toEqual([{ amount: 500 }]);
  // The tool ran as a local activity, and so did the escalation's look for standing grants: no activity task.
  const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : [],
  );
  expect(scheduled).toEqual([]);
  expect(await searchAttributes(callId)).toEqual({ status: 'done', action: 'modify', tool: 'process_refund' });
  await recordHistory(handle, 'execute-local-escalate-approve');
});
