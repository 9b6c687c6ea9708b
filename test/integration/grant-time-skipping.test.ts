/**
 * A standing grant of 24 hours under time skipping (Temporal's Java test server): it lives until its expiry timer
 * fires a day later, or until it is revoked, and says which. The grant's decisions over pending and arriving
 * escalations need visibility, which the test server lacks (its sweep fails once, GUARD_VISIBILITY_UNAVAILABLE):
 * test/integration/grants.test.ts covers them on the dev server with short grants.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  grantQuery,
  revokeGrantUpdate,
  STANDING_GRANT_TYPE,
  type GrantView,
  type StandingGrantInput,
} from '../../src/workflows/grant-definitions';
import { tableDecider } from './helpers';
import { timeSkippingPerTest } from './time-skipping-worker';

const H = 3_600_000;
const TASK_QUEUE = 'grant-time-skipping';

let env: TestWorkflowEnvironment;
const perTest = timeSkippingPerTest(TASK_QUEUE, { decider: tableDecider({}) });
beforeEach(() => ({ env } = perTest));

/** A 24-hour grant created now (the test server's clock), for refunds under rule big-refund. */
async function startGrant(id: string) {
  const now = await env.currentTimeMs();
  const input: StandingGrantInput = {
    scope: { tool: 'process_refund', rule: 'big-refund' },
    approver: { id: 'alice', groups: ['finance'] },
    ruleGroups: ['finance'],
    reason: 'month-end refunds',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 24 * H).toISOString(),
    taskQueue: TASK_QUEUE,
  };
  const handle = await env.client.workflow.start(STANDING_GRANT_TYPE, {
    workflowId: id,
    taskQueue: TASK_QUEUE,
    args: [input],
  });
  return { handle, createdAt: now };
}

test('a 24 h grant is live for the day and expires on its timer, a day after it was created', async () => {
  const { handle, createdAt } = await startGrant('grant-24h-expires');
  expect((await handle.query(grantQuery)).state).toBe('live');
  await env.sleep(23 * H);
  expect((await handle.query(grantQuery)).state).toBe('live');

  const view = (await handle.result()) as GrantView;
  expect(view).toMatchObject({ state: 'expired', approver: 'alice', reason: 'month-end refunds' });
  expect(view.revokedAt).toBeUndefined();
  expect((await env.currentTimeMs()) - createdAt).toBeGreaterThanOrEqual(24 * H);
  const events = (await handle.fetchHistory()).events ?? [];
  // The first sweep asked visibility once and stopped at its lasting refusal (so did the sweeps: the second needs
  // the first), rather than retrying for a day.
  const failed = events.flatMap((e) => {
    const failure = e.activityTaskFailedEventAttributes?.failure;
    return failure ? [failure.applicationFailureInfo?.type] : [];
  });
  expect(failed).toEqual(['GUARD_VISIBILITY_UNAVAILABLE']);
  // The expiry is one durable timer of a day, shown in the Web UI with the grant's end.
  const timers = events.filter((e) => e.timerStartedEventAttributes);
  const day = timers.find((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds) >= 24 * 3600 - 60);
  expect(day).toBeDefined();
  expect(Buffer.from(day!.userMetadata?.summary?.data ?? []).toString('utf8')).toContain(`grant until ${view.expiresAt}`);
}, 180_000);

test('a 24 h grant revoked after 12 h stops then, and says who revoked it', async () => {
  const { handle, createdAt } = await startGrant('grant-24h-revoked');
  await env.sleep(12 * H);
  const revoked = await handle.executeUpdate(revokeGrantUpdate, { args: [{ by: 'alice', reason: 'batch done' }] });
  expect(revoked.state).toBe('revoked');
  const view = (await handle.result()) as GrantView;
  expect(view).toMatchObject({ state: 'revoked', revokedBy: 'alice', revokeReason: 'batch done' });
  const revokedAfter = Date.parse(view.revokedAt!) - createdAt;
  expect(revokedAfter).toBeGreaterThanOrEqual(12 * H);
  expect(revokedAfter).toBeLessThan(24 * H);
}, 180_000);
