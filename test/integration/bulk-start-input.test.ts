import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { findTemporalCli } from '../../src/server/find-cli';
import { statusQuery } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { tableDecider, waitFor, workerForFile } from './helpers';

const file = workerForFile(
  'bulk-start-input',
  tableDecider({ process_refund: refundEscalated({ timeoutMs: 3_600_000, approverGroups: ['finance'] }) }),
);

test('a bulkDecision started through `temporal workflow start` with bad input fails clearly and decides nothing', async () => {
  const { client, taskQueue, address } = file.env;
  const batch = `bad-start-${Date.now()}`;
  const escalation = `${batch}-0`;
  await client.workflow.start('guardedCall', {
    workflowId: escalation,
    taskQueue,
    args: [{ tool: 'process_refund', input: { amount: 2000 }, context: { batch } }],
  });
  await waitFor(async () =>
    (await client.workflow.getHandle(escalation).query(statusQuery)).status === 'pending-approval' ? true : undefined,
  );
  const cli = await findTemporalCli();
  if (!cli) throw new Error('this test needs the Temporal CLI');
  const workflowId = `bulk-bad-${Date.now()}`;
  // An ID over callIdLength among the IDs: the API would refuse it; the workflow must too.
  const input = {
    decision: 'approve',
    filter: { ids: [escalation, 'x'.repeat(1000)] },
    approver: { id: 'mallory', groups: ['finance'] },
    taskQueue,
    requestedAt: new Date().toISOString(),
  };
  await promisify(execFile)(cli.path, [
    'workflow',
    'start',
    '--address',
    address,
    '--task-queue',
    taskQueue,
    '--type',
    'bulkDecision',
    '--workflow-id',
    workflowId,
    '--input',
    JSON.stringify(input),
  ]);
  const failure = await client.workflow
    .getHandle(workflowId)
    .result()
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (failure as WorkflowFailedError).cause as { type?: string; message?: string; nonRetryable?: boolean };
  expect(cause.type).toBe('GUARD_INVALID_BULK_DECISION');
  expect(cause.message).toBe(
    'invalid bulkDecision input: filter.ids[1] is 1000 characters long (limit callIdLength: 256)',
  );
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  expect(history.events?.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
  expect((await client.workflow.getHandle(escalation).query(statusQuery)).status).toBe('pending-approval');
}, 120_000);
