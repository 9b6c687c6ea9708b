/**
 * A `policyDecision` update that reaches a call before its first workflow task (the client's start and update
 * both land while no worker polls) is accepted in that first task; the history must replay.
 */
import { WorkflowUpdateStage } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { policyDecisionUpdate } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider } from './helpers';

const E = temporal.api.enums.v1.EventType;
const decider = tableDecider({ process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }) });
let env: Awaited<ReturnType<typeof integrationEnv>>;

beforeAll(async () => {
  env = await integrationEnv('update-first');
});
afterAll(() => env.close());

test.each([
  ['allow', { tool: 'read_file', input: { path: '/tmp/a' } }],
  ['escalate', { tool: 'process_refund', input: { amount: 4200 } }],
  ['invalid', { tool: '', input: { path: '/tmp/a' } }],
])(
  '%s: an update accepted in the first workflow task replays',
  async (name, call) => {
    const workflowId = `first-${name}-${Date.now()}`;
    const handle = await env.client.workflow.start('guardedCall', {
      workflowId,
      taskQueue: env.taskQueue,
      args: [call],
    });
    const updates = Array.from({ length: 3 }, () =>
      handle.startUpdate(policyDecisionUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const worker = await env.worker(decider);
    const running = worker.run();
    try {
      const decided = await Promise.all((await Promise.all(updates)).map((u) => u.result()));
      if (name === 'escalate') {
        expect(decided[0]).toMatchObject({ action: 'escalate' });
        await env.guard.approve(workflowId, { by: 'fin', groups: ['finance'] });
      }
      await handle.result().catch(() => undefined);
    } finally {
      worker.shutdown();
      await running;
    }
    const history = await handle.fetchHistory();
    // The case under test: the first workflow task accepted all three updates (after the marker of the changes
    // asked at start and the TemporalChangeVersion upsert that goes with it).
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types.slice(0, 9)).toEqual([
      E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      E.EVENT_TYPE_MARKER_RECORDED,
      E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    ]);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: process.env.DG_TEST_BUNDLE as string } },
      history,
      workflowId,
    );
    await recordHistory(handle, `update-first-task-${name}`);
  },
  120_000,
);
