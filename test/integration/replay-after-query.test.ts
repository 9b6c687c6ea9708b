/**
 * Calls queried while their first workflow task runs still replay. A status query arriving then can make the policy's
 * local-activity result reach the workflow only in the next task; replay hands it over in the first one, and a
 * `patched()` asked after it used to answer false there: 16 of 60 such escalations failed to replay before the
 * changes were asked at start (patches-at-start.ts).
 */
import { Worker } from '@temporalio/worker';
import type { Worker as RunningWorker } from '@temporalio/worker';
import { CURRENT_CHANGES_MARKER } from '../../src/workflows/patches-at-start';
import { statusQuery, type GuardedCallInput } from '../../src/workflows/definitions';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const CALLS = 30;
let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: RunningWorker;
let running: Promise<void>;

beforeAll(async () => {
  env = await integrationEnv('replay-after-query');
  worker = await env.worker(
    tableDecider({
      unlock_safe: {
        action: 'escalate',
        reason: 'safe',
        rulesTriggered: [{ id: 'safe', action: 'escalate', mode: 'enforce' }],
        escalation: { approverGroups: [] },
      },
    }),
  );
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.close();
});

test(`${CALLS} escalations queried from their first moment, approved, each replays`, async () => {
  const histories: { workflowId: string; history: unknown }[] = [];
  for (let i = 0; i < CALLS; i++) {
    const workflowId = `replay-after-query-${i}-${Date.now()}`;
    const call: GuardedCallInput = { tool: 'unlock_safe', input: { i } };
    const handle = await env.client.workflow.start('guardedCall', {
      workflowId,
      taskQueue: env.taskQueue,
      args: [call],
    });
    // Queried at once: the first query reaches the server while the first workflow task runs.
    await waitFor(async () => {
      const status = await handle.query(statusQuery).catch(() => undefined);
      return status?.status === 'pending-approval' ? true : undefined;
    });
    await env.guard.approve(workflowId, { by: 'alice', reason: 'ok' });
    expect(await env.guard.waitForResult(workflowId)).toMatchObject({ action: 'allow' });
    const history = await handle.fetchHistory();
    // The changes' one marker is recorded in the first workflow task, before the policy's local activity.
    const events = history.events ?? [];
    const firstCompleted = events.findIndex((e) => e.workflowTaskCompletedEventAttributes);
    const marker = events[firstCompleted + 1]?.markerRecordedEventAttributes;
    expect(marker?.markerName).toBe('core_patch');
    const data = marker?.details?.['patch-data']?.payloads?.[0]?.data;
    expect(data && JSON.parse(Buffer.from(data).toString())).toMatchObject({ id: CURRENT_CHANGES_MARKER });
    histories.push({ workflowId, history });
    // One history per generation: a new generation adds its own file, the older ones stay as recorded.
    if (i === 0) await recordHistory(handle, `escalate-approve-${CURRENT_CHANGES_MARKER}`);
  }
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.DG_TEST_BUNDLE as string } },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
}, 240_000);
