/**
 * An escalation's look for standing grants must not complete under the workflow task that carries an approver's
 * `decide` (and completes the call): the server would fail that task and answer the update FAILED_PRECONDITION
 * "unexpected workflow task failure". Decided here with the raw Temporal client, never through the clients' retry.
 */
import pLimit from 'p-limit';
import { isUpdateTaskFailure } from '../../src/client/update-retry';
import { decideUpdate, type GuardResult } from '../../src/workflows/definitions';
import { refundEscalated } from './fixtures/decisions';
import { localActivityRan, recordHistory, tableDecider, workerForFile } from './helpers';

const decider = tableDecider({ process_refund: refundEscalated({ timeoutMs: 3_600_000 }) });
const file = workerForFile('grant-lookup-race', decider);
const CALLS = 50;

test(`${CALLS} escalations approved the moment they are pending: no update meets a failed workflow task`, async () => {
  const { env } = file;
  const run = Date.now().toString(36);
  let taskFailures = 0;
  const limit = pLimit(5);
  const results = await Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      limit(async (): Promise<GuardResult> => {
        // check() returns as soon as the policy decided: the grant look starts in that same workflow task.
        const escalated = await env.guard.check('process_refund', { amount: 5000 + i }, { callId: `race-${run}-${i}` });
        expect(escalated.action).toBe('escalate');
        const handle = env.client.workflow.getHandle(escalated.escalationId as string);
        for (;;) {
          try {
            return await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', by: 'alice' }] });
          } catch (err) {
            if (!isUpdateTaskFailure(err)) throw err;
            taskFailures += 1;
          }
        }
      }),
    ),
  );
  expect(results.every((r) => r.action === 'allow' && r.decidedBy?.kind === 'human')).toBe(true);
  expect(taskFailures).toBe(0);
  // The look for grants did run in each call's escalating workflow task.
  const first = env.client.workflow.getHandle(`race-${run}-0`);
  expect(localActivityRan((await first.fetchHistory()).events ?? [], 'findStandingGrant')).toBe(true);
  await recordHistory(first, 'escalate-grant-lookup-none-approve');
}, 180_000);
