import { BulkDecisionClient } from '../../src/client';
import { statusQuery } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { recordHistory, tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 3_600_000, approverGroups: ['finance'] }),
});
const file = workerForFile('bulk-can', decider);

test('a bulk decision past its page limit continues as new, carrying counts and cursor; each decided once', async () => {
  const { client, taskQueue } = file.env;
  const batch = `can-${Date.now()}`;
  const ids = Array.from({ length: 7 }, (_, i) => `${batch}-${i}`);
  for (const [i, workflowId] of ids.entries()) {
    await client.workflow.start('guardedCall', {
      workflowId,
      taskQueue,
      args: [{ tool: 'process_refund', input: { amount: 2000 + i }, context: { batch } }],
    });
  }
  const bulk = new BulkDecisionClient(client, taskQueue);
  const request = {
    decision: 'approve' as const,
    filter: { batch },
    approver: { id: 'alice', groups: ['finance'] },
    // 3 escalations a page, 1 page a run: three runs (the released default is 500 pages a run).
    tuning: { pageSize: 3, pagesPerRun: 1 },
  };
  await waitFor(async () => ((await bulk.dryRun(request)).count === 7 ? true : undefined), 60_000);
  const id = await bulk.start(request);
  const done = await bulk.result(id);
  expect(done.counts).toEqual({
    decided: 7,
    'already-decided': 0,
    'timed-out': 0,
    'not-allowed': 0,
    'not-matched': 0,
    failed: 0,
  });
  expect(done).toMatchObject({ state: 'completed', seen: 7, runs: 3, pages: 3 });
  const handle = client.workflow.getHandle(id);
  const { runId, raw } = await handle.describe();
  const firstRunId = raw.workflowExecutionInfo?.firstRunId as string;
  expect(firstRunId).toBeTruthy();
  expect(runId).not.toBe(firstRunId);
  const first = await client.workflow.getHandle(id, firstRunId).fetchHistory();
  expect(first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  for (const item of ids) {
    const status = await client.workflow.getHandle(item).query(statusQuery);
    expect(status).toMatchObject({ status: 'approved', result: { decidedBy: { identity: 'alice' } } });
  }
  await recordHistory(handle, 'bulk-decision-continue-as-new', firstRunId);
  await recordHistory(handle, 'bulk-decision-carried-last-run');
}, 180_000);
