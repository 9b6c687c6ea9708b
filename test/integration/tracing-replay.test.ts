/**
 * Turning tracing on or off on workers with calls in flight: a history recorded with the OpenTelemetry workflow
 * interceptors replays without them, and the other way round, on every path where a handler decides the call
 * (patch `handlers-before-wake`: the interceptors add yield points to a handler, which used to move the `decide`
 * update's completion after the window timer's cancellation).
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createTracing } from '../../src/telemetry/tracing';
import { tracingWorkerOptions } from '../../src/telemetry/tracing-interceptors';
import { GrantClient } from '../../src/client';
import { HANDLERS_BEFORE_WAKE_PATCH } from '../../src/workflows/patches';
import { CURRENT_CHANGES_MARKER } from '../../src/workflows/patches-at-start';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';
import { piiRedacted, refundEscalated, rmRfBlocked } from './fixtures/decisions';

const decider = tableDecider({
  run_shell: rmRfBlocked,
  send_email: piiRedacted(),
  refund: refundEscalated(),
  refund_short: refundEscalated({ timeoutMs: 1_500 }),
  refund_ladder: refundEscalated({
    timeoutMs: 120_000,
    ladder: [{ afterMs: 500, kind: 'remind' }],
    maxWindowMs: 600_000,
  }),
  refund_grant: refundEscalated({ timeoutMs: 120_000 }),
  refund_quorum: refundEscalated({ timeoutMs: 120_000, approvals: { count: 2 } }),
});
const exporter = new InMemorySpanExporter();
const tracing = createTracing({ exporter, batch: false, register: false });

type Env = Awaited<ReturnType<typeof integrationEnv>>;
type History = temporal.api.history.v1.IHistory;

/** Runs one call down every path on a worker with or without tracing; returns each path's workflow ID. */
async function runPaths(env: Env, traced: boolean): Promise<Record<string, string>> {
  const worker = await env.worker(decider, undefined, undefined, {
    ...(traced ? { tracing } : {}),
    // Every task replays from the start: a nondeterminism between the two bundles would also show up live.
    tuning: { maxCachedWorkflows: 0 },
  });
  const running = worker.run();
  const g = env.guard;
  const ids: Record<string, string> = {};
  const start = async (name: string, tool: string, input: Record<string, unknown>) => {
    ids[name] = (await g.check(tool, input)).escalationId as string;
    return ids[name]!;
  };
  try {
    await start('allow', 'get_order', { id: 1 });
    await start('block', 'run_shell', { cmd: 'rm -rf /' });
    await start('modify', 'send_email', { to: 'a' });
    await g.approve(await start('approve', 'refund', { amount: 1 }), { by: 'alice' });
    await g.approve(await start('approve-edited', 'refund', { amount: 2 }), {
      by: 'alice',
      modifiedInput: { amount: 3 },
    });
    await g.deny(await start('deny', 'refund', { amount: 4 }), { by: 'alice' });
    await start('timeout', 'refund_short', { amount: 5 });
    const ladder = await start('ladder-extend-approve', 'refund_ladder', { amount: 6 });
    await g.extend(ladder, { by: 'alice', extendBy: '1m' });
    // After the reminder's step (500 ms), so the approval wakes the next step's wait.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await g.approve(ladder, { by: 'alice' });
    const quorum = await start('quorum', 'refund_quorum', { amount: 7 });
    await g.approve(quorum, { by: 'alice' });
    await g.approve(quorum, { by: 'bob' });
    // A standing grant made from a pending escalation, which its sweep decides; revoked once both sweeps have run
    // (the revoke update ends its expiry timer).
    const granted = await start('grant-decided', 'refund_grant', { amount: 8 });
    const grants = new GrantClient(env.client, env.taskQueue);
    const grant = await grants.create({
      fromEscalation: granted,
      durationMs: 600_000,
      reason: 'replay test',
      approver: { id: 'alice', groups: [] },
      settleMs: 200,
    });
    const sweptTwice = async () => {
      const events = (await env.client.workflow.getHandle(grant.id).fetchHistory()).events ?? [];
      const sweeps = events.filter((e) => e.activityTaskCompletedEventAttributes || e.markerRecordedEventAttributes);
      return sweeps.length >= 2 ? true : undefined;
    };
    await waitFor(sweptTwice, 60_000);
    await grants.revoke(grant.id, { id: 'alice', groups: [] });
    ids['grant-revoke'] = grant.id;
    await Promise.all(
      Object.values(ids).map((id) =>
        env.client.workflow
          .getHandle(id)
          .result()
          .catch(() => undefined),
      ),
    );
  } finally {
    worker.shutdown();
    await running;
  }
  return ids;
}

/** The failures of replaying `histories` with the plain bundle, or the tracing one. */
async function replayFailures(histories: { workflowId: string; history: History }[], traced: boolean) {
  const failures: string[] = [];
  const bundle = traced ? process.env.DG_TEST_TRACING_BUNDLE : process.env.DG_TEST_BUNDLE;
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: bundle as string },
      ...(traced ? { sinks: tracingWorkerOptions(tracing).sinks } : {}),
    },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

let env: Env;

beforeAll(async () => {
  env = await integrationEnv('tracing-replay');
});

afterAll(async () => {
  await env.close();
  await tracing.tracerProvider.shutdown();
});

test.each([
  ['recorded with tracing', true],
  ['recorded without tracing', false],
])(
  'every decision path %s replays with tracing on and off',
  async (_label, traced) => {
    const ids = await runPaths(env, traced);
    const histories = await Promise.all(
      Object.values(ids).map(async (workflowId) => ({
        workflowId,
        history: await env.client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    // The paths took the newest generation of the changes asked at start (which holds handlers-before-wake).
    for (const { workflowId, history } of histories) {
      const grantWorkflow = workflowId === ids['grant-revoke'];
      const marker = history.events?.find((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
      const data = marker?.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      expect(data && JSON.parse(Buffer.from(data).toString())).toMatchObject({
        id: grantWorkflow ? HANDLERS_BEFORE_WAKE_PATCH : CURRENT_CHANGES_MARKER,
      });
    }
    // Each decided by a human (or revoked): the update completed before the window's timer was cancelled.
    for (const name of [
      'approve',
      'approve-edited',
      'deny',
      'ladder-extend-approve',
      'quorum',
      'grant-decided',
      'grant-revoke',
    ]) {
      const events = histories.find((h) => h.workflowId === ids[name])!.history.events ?? [];
      const lastIndex = (has: (e: (typeof events)[number]) => unknown) =>
        events.reduce((last, e, i) => (has(e) ? i : last), -1);
      const completed = lastIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes);
      const cancelled = lastIndex((e) => e.timerCanceledEventAttributes);
      expect({ name, before: completed < cancelled }).toEqual({ name, before: true });
    }
    expect({ plain: await replayFailures(histories, false), traced: await replayFailures(histories, true) }).toEqual({
      plain: [],
      traced: [],
    });
    if (traced) {
      for (const name of ['approve', 'deny', 'ladder-extend-approve', 'quorum', 'grant-decided', 'grant-revoke']) {
        await recordHistory(env.client.workflow.getHandle(ids[name]!), `traced-${name}`);
      }
    }
  },
  240_000,
);
