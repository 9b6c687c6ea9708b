/**
 * Escalation ladders over 72 hours under time skipping (Temporal's Java test server, started by
 * ./time-skipping.ts), and the same paths with short real windows on the dev server, recorded for replay.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { LocalOutbox } from '../../src/activities/local-outbox';
import { createNotifier } from '../../src/activities/notify';
import type { GuardClient } from '../../src/client';
import type { EscalationSettings } from '../../src/policy/types';
import { extendUpdate, statusQuery, type GuardResult } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';
import { timeSkippingPerTest } from './time-skipping-worker';

const H = 3_600_000;

/** The rule: remind after 4 h, add finance-leads after 24 h, block after 72 h (or the given end). */
function ladder(
  onTimeout?: EscalationSettings['onTimeout'],
  extra: Partial<EscalationSettings> = {},
): EscalationSettings {
  return {
    timeoutMs: 72 * H,
    approverGroups: ['finance'],
    channels: ['finance-slack'],
    ladder: [
      { afterMs: 4 * H, kind: 'remind' },
      { afterMs: 24 * H, kind: 'route', approverGroups: ['finance-leads'], channels: ['leads-slack'] },
      { fraction: 0.9, kind: 'remind' },
    ],
    ...(onTimeout ? { onTimeout } : {}),
    ...extra,
  };
}

const decider = tableDecider({
  refund_block: refundEscalated(ladder()),
  refund_allow: refundEscalated(ladder({ action: 'allow' })),
  refund_escalate: refundEscalated(
    ladder({ action: 'escalate', approverGroups: ['cfo'], channels: ['cfo-pager'], timeoutMs: 24 * H }),
  ),
  refund_extend: refundEscalated(ladder(undefined, { maxWindowMs: 96 * H })),
});

/** No webhook, a local outbox: every channel is delivered (there), so each step's notification is a workflow. */
const outboxOnly = () => ({ notifier: createNotifier({ targets: [] }), outbox: new LocalOutbox() });

/** The notification children a call started, by workflow ID, in history order. */
async function notificationIds(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const attrs = (e as { startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId?: string } })
      .startChildWorkflowExecutionInitiatedEventAttributes;
    return attrs?.workflowId ? [attrs.workflowId] : [];
  });
}

const timerSummaries = async (handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) =>
  ((await handle.fetchHistory()).events ?? []).filter(
    (e) => (e as { timerStartedEventAttributes?: unknown }).timerStartedEventAttributes,
  ).length;

/** The summaries of the timers a call started (the Web UI shows them), in history order. */
async function timerSummaryTexts(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((e) => {
    const event = e as { timerStartedEventAttributes?: unknown; userMetadata?: { summary?: { data?: Uint8Array } } };
    const data = event.timerStartedEventAttributes ? event.userMetadata?.summary?.data : undefined;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
  });
}

describe('under time skipping (72-hour ladders)', () => {
  let env: TestWorkflowEnvironment;
  let guard: GuardClient;
  const perTest = timeSkippingPerTest('ladder-time-skipping', { decider, notifications: outboxOnly() });
  beforeEach(() => ({ env, guard } = perTest));

  test('remind after 4 h, route after 24 h, remind at 90%, block after 72 h', async () => {
    const { escalationId } = await guard.check('refund_block', { amount: 12_000 });
    const handle = env.client.workflow.getHandle(escalationId!);
    const status = await handle.query(statusQuery);
    expect(status.ladder?.next).toMatchObject({ kind: 'remind', summary: expect.stringContaining('after 4h') });
    expect(status.ladder?.onTimeout).toBe('block');
    const result = (await handle.result()) as GuardResult;
    expect(result).toMatchObject({
      action: 'block',
      reason: 'escalation timed out after 3d without a decision',
      decidedBy: { kind: 'timeout' },
    });
    const ids = await notificationIds(handle);
    expect(ids).toEqual([
      `${escalationId}:notify:escalation.created:finance-slack`,
      `${escalationId}:notify:escalation.reminder:1:finance-slack`,
      `${escalationId}:notify:escalation.routed:2:leads-slack`,
      `${escalationId}:notify:escalation.reminder:3:finance-slack`,
      `${escalationId}:notify:escalation.reminder:3:leads-slack`,
      `${escalationId}:notify:escalation.resolved:finance-slack`,
      `${escalationId}:notify:escalation.resolved:leads-slack`,
    ]);
    expect(await timerSummaries(handle)).toBe(4);
    const final = await handle.query(statusQuery);
    expect(final.ladder?.taken.map((s) => s.kind)).toEqual(['remind', 'route', 'remind']);
    expect(final.approverGroups).toEqual(['finance', 'finance-leads']);
  });

  test('a group added by the route step may approve after 24 h, and not before', async () => {
    const { escalationId } = await guard.check('refund_block', { amount: 12_000 });
    const lead = { by: 'lena', groups: ['finance-leads'] };
    await expect(guard.approve(escalationId!, lead)).rejects.toMatchObject({ code: 'GUARD_APPROVER_NOT_ALLOWED' });
    await env.sleep(25 * H);
    const status = await guard.status(escalationId!);
    expect(status.ladder?.next).toMatchObject({ kind: 'remind' });
    expect(await guard.approve(escalationId!, lead)).toMatchObject({
      action: 'allow',
      decidedBy: { identity: 'lena' },
    });
  });

  test('onTimeout allow allows after 72 h, explicitly', async () => {
    const { escalationId } = await guard.check('refund_allow', { amount: 12_000 });
    const result = (await env.client.workflow.getHandle(escalationId!).result()) as GuardResult;
    expect(result).toMatchObject({ action: 'allow', decidedBy: { kind: 'timeout' } });
    expect(result.reason).toContain('the rule allows on timeout');
  });

  test('onTimeout escalate opens a 24 h window for the cfo group, which may then approve', async () => {
    const { escalationId } = await guard.check('refund_escalate', { amount: 12_000 });
    await env.sleep(73 * H);
    const status = await guard.status(escalationId!);
    expect(status.ladder?.taken.at(-1)).toMatchObject({ kind: 'escalate', approverGroups: ['cfo'] });
    expect(status.ladder?.onTimeout).toBe('block');
    // The window moved: only the escalation group decides now.
    expect(status.approverGroups).toEqual(['cfo']);
    await expect(guard.approve(escalationId!, { by: 'fran', groups: ['finance'] })).rejects.toMatchObject({
      code: 'GUARD_APPROVER_NOT_ALLOWED',
    });
    expect(await guard.approve(escalationId!, { by: 'carla', groups: ['cfo'] })).toMatchObject({ action: 'allow' });
  });

  test('onTimeout escalate blocks when the cfo window closes too', async () => {
    const { escalationId } = await guard.check('refund_escalate', { amount: 12_000 });
    const handle = env.client.workflow.getHandle(escalationId!);
    expect(await handle.result()).toMatchObject({
      action: 'block',
      // The wait is measured in workflow time: a workflow task that ran late (a loaded machine) adds seconds.
      reason: expect.stringMatching(
        /^escalation timed out after 4d(\d+s)? \(escalated to cfo after 3d(\d+s)?\) without a decision$/,
      ),
      decidedBy: { kind: 'timeout' },
    });
    expect(await notificationIds(handle)).toContain(`${escalationId}:notify:escalation.routed:4:cfo-pager`);
  });

  test('an approver extends the window up to maxWindow, and not past it', async () => {
    const { escalationId } = await guard.check('refund_extend', { amount: 12_000 });
    const finance = { by: 'fran', groups: ['finance'] };
    const extended = await guard.extend(escalationId!, { ...finance, extendBy: '20h' });
    expect(extended.ladder?.taken.at(-1)).toMatchObject({ kind: 'extend', by: 'fran' });
    await expect(guard.extend(escalationId!, { ...finance, extendBy: '5h' })).rejects.toMatchObject({
      code: 'GUARD_EXTEND_REFUSED',
      message: expect.stringContaining('past its maxWindow 4d'),
    });
    await expect(guard.extend(escalationId!, { by: 'mo', groups: ['ops'], extendBy: '1h' })).rejects.toMatchObject({
      code: 'GUARD_APPROVER_NOT_ALLOWED',
    });
    const handle = env.client.workflow.getHandle(escalationId!);
    expect(await handle.result()).toMatchObject({
      action: 'block',
      reason: expect.stringMatching(/^escalation timed out after 3d20h(\d+s)? without a decision$/),
    });
  });
});

describe('on the dev server (short real windows, recorded for replay)', () => {
  const S = 1000;
  const short = tableDecider({
    refund_ladder: refundEscalated({
      timeoutMs: 8 * S,
      approverGroups: ['finance'],
      channels: ['finance-slack'],
      ladder: [
        { afterMs: 2 * S, kind: 'remind' },
        { fraction: 0.5, kind: 'route', approverGroups: ['finance-leads'], channels: ['leads-slack'] },
      ],
    }),
    refund_ladder_allow: refundEscalated({ timeoutMs: 1 * S, onTimeout: { action: 'allow' } }),
    refund_ladder_escalate: refundEscalated({
      timeoutMs: 1 * S,
      approverGroups: ['finance'],
      onTimeout: { action: 'escalate', approverGroups: ['cfo'], timeoutMs: 60 * S },
    }),
    refund_ladder_extend: refundEscalated({ timeoutMs: 2 * S, approverGroups: ['finance'], maxWindowMs: 60 * S }),
  });
  let env: Awaited<ReturnType<typeof integrationEnv>>;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await integrationEnv('ladder');
    worker = await env.worker(short, undefined, outboxOnly());
    running = worker.run();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await env.close();
  });

  test('reminder, route and block on timeout', async () => {
    const { escalationId } = await env.guard.check('refund_ladder', { amount: 12_000 });
    const handle = env.client.workflow.getHandle(escalationId!);
    expect(await handle.result()).toMatchObject({ action: 'block', decidedBy: { kind: 'timeout' } });
    expect((await handle.query(statusQuery)).ladder?.taken.map((s) => s.kind)).toEqual(['remind', 'route']);
    expect(await timerSummaryTexts(handle)).toEqual([
      'ladder step 1: remind approvers after 2s',
      'ladder step 2: route to finance-leads, leads-slack after 4s',
      'approval window 8s, then block',
    ]);
    await recordHistory(handle, 'ladder-remind-route-timeout');
  });

  test('onTimeout allow', async () => {
    const { escalationId } = await env.guard.check('refund_ladder_allow', { amount: 12_000 });
    const handle = env.client.workflow.getHandle(escalationId!);
    expect(await handle.result()).toMatchObject({ action: 'allow', decidedBy: { kind: 'timeout' } });
    await recordHistory(handle, 'ladder-timeout-allow');
  });

  test('onTimeout escalate, then the new group approves', async () => {
    const { escalationId } = await env.guard.check('refund_ladder_escalate', { amount: 12_000 });
    await waitFor(async () =>
      (await env.guard.status(escalationId!)).ladder?.taken.some((s) => s.kind === 'escalate') ? true : undefined,
    );
    expect(await env.guard.approve(escalationId!, { by: 'carla', groups: ['cfo'] })).toMatchObject({ action: 'allow' });
    await recordHistory(env.client.workflow.getHandle(escalationId!), 'ladder-escalate-approve');
  });

  test('extend, then deny', async () => {
    const { escalationId } = await env.guard.check('refund_ladder_extend', { amount: 12_000 });
    const handle = env.client.workflow.getHandle(escalationId!);
    await handle.executeUpdate(extendUpdate, { args: [{ by: 'fran', groups: ['finance'], extendByMs: 30_000 }] });
    await expect(
      handle.executeUpdate(extendUpdate, { args: [{ by: 'fran', groups: ['finance'], extendByMs: 60_000 }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await env.guard.status(escalationId!)).status).toBe('pending-approval');
    expect(await env.guard.deny(escalationId!, { by: 'fran', groups: ['finance'], reason: 'no' })).toMatchObject({
      action: 'block',
    });
    await recordHistory(handle, 'ladder-extend-deny');
  });
});
