import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GuardActivities } from '../activities/create-activities';
import { HEARTBEATED_ACTIVITY } from './heartbeated-activity';
import type { BulkCounts } from './bulk-definitions';
import { guardStatusKey } from './definitions';
import { guardMessage } from './error-codes';
import {
  grantQuery,
  revokeGrantUpdate,
  type GrantView,
  type RevokeGrantInput,
  type StandingGrantInput,
} from './grant-definitions';
import { GrantRecord } from './grant-state';
import { afterHandlers } from './handler-gate';
import { HANDLERS_BEFORE_WAKE_PATCH } from './patches';

const { sweepGrant } = proxyActivities<GuardActivities>({ ...HEARTBEATED_ACTIVITY, startToCloseTimeout: '30 minutes' });

const DEFAULT_SETTLE_MS = 10_000;

/**
 * One standing grant ("approve all like this"): sweeps the matching escalations pending now (twice, the second
 * time after visibility has settled), answers the `grant` query that every new escalation's match asks before it
 * decides, and lives until its expiry timer fires or the `revoke` update stops it.
 */
export async function standingGrant(input: StandingGrantInput): Promise<GrantView> {
  // Asked in the first activation, before any await: the revoke update's completion precedes the timer's end.
  const gated = patched(HANDLERS_BEFORE_WAKE_PATCH);
  const grant = new GrantRecord(workflowInfo().workflowId, input);
  setHandler(grantQuery, () => grant.view());
  setHandler(
    revokeGrantUpdate,
    (revoke: RevokeGrantInput) => {
      grant.revoke(revoke, new Date().toISOString());
      return grant.view();
    },
    {
      validator: (revoke: RevokeGrantInput) => {
        const problem = grant.revokeProblem(revoke);
        if (problem)
          throw ApplicationFailure.create({ type: 'GUARD_INVALID_REQUEST', message: problem, nonRetryable: true });
        if (grant.state !== 'live') {
          throw ApplicationFailure.create({
            type: 'GUARD_GRANT_NOT_LIVE',
            message: guardMessage('GUARD_GRANT_NOT_LIVE', grant.id, grant.state),
            nonRetryable: true,
          });
        }
      },
      description: 'Revoke the grant: {"by":"name","reason"?}. What it decided stays decided.',
    },
  );
  setCurrentDetails(grant.details());

  const sweep = async (): Promise<void> => {
    if (grant.state !== 'live') return;
    const counts: BulkCounts = await sweepGrant({ grantId: grant.id, grant: input });
    grant.addSwept(counts);
    setCurrentDetails(grant.details());
  };
  // The sweeps run beside the expiry timer: a long sweep never holds a grant past its end.
  void (async () => {
    await sweep();
    await sleep(input.settleMs ?? DEFAULT_SETTLE_MS, { summary: 'visibility settles' });
    await sweep();
  })().catch(() => undefined);

  const remainingMs = Math.max(0, Date.parse(input.expiresAt) - Date.now());
  const revoked = await condition(
    afterHandlers(() => grant.state !== 'live', gated),
    remainingMs,
    {
      summary: `grant until ${input.expiresAt}`,
    },
  );
  if (!revoked) grant.expire();
  upsertSearchAttributes([{ key: guardStatusKey, value: grant.state }]);
  setCurrentDetails(grant.details());
  await condition(allHandlersFinished);
  return grant.view();
}
