/**
 * The activities of standing grants: the grant's sweep over the escalations pending when it was created, and the
 * match a new escalation asks for (which live grant, if any, answers it).
 */
import { Context } from '@temporalio/activity';
import pLimit from 'p-limit';
import { countOutcomes, listBulkPage } from '../approvals/bulk-targets';
import { pendingEscalationsQuery } from '../approvals/escalation-query';
import { grantDirectoryFor } from '../approvals/grant-directory';
import { contextInScope, decideForGrant, liveGrantsQuery, type GrantOutcome } from '../approvals/grant-match';
import { startedCall } from '../approvals/started-call';
import { GuardClient } from '../client/guard-client';
import type { BulkCounts, BulkItemOutcome } from '../workflows/bulk-definitions';
import type { CallContext, GuardedCallInput } from '../workflows/definitions';
import { grantQuery, type GrantView, type StandingGrantInput } from '../workflows/grant-definitions';

export interface SweepGrantInput {
  grantId: string;
  grant: StandingGrantInput;
}

/** What the sweep heartbeats: the visibility cursor of the next page and the outcomes so far. */
interface SweepHeartbeat {
  cursor?: string;
  outcomes: BulkItemOutcome[];
}

const SWEEP_PAGE = 200;

/**
 * Decides every matching escalation pending now for the grant, page by page, 16 at a time, resuming from its
 * heartbeat after a crash (a re-sent update carries the grant's ID, so nothing is decided twice). Stops as soon as
 * the grant answers that it is no longer live.
 */
export async function sweepGrant({ grantId, grant }: SweepGrantInput): Promise<BulkCounts> {
  const context = Context.current();
  const client = context.client;
  const previous = context.info.heartbeatDetails as SweepHeartbeat | undefined;
  const outcomes = [...(previous?.outcomes ?? [])];
  let cursor = previous?.cursor;
  const beat = () => context.heartbeat({ ...(cursor ? { cursor } : {}), outcomes } satisfies SweepHeartbeat);
  const timer = setInterval(beat, 2_000);
  const guard = new GuardClient({ client, taskQueue: grant.taskQueue });
  const { tool, rule, batch } = grant.scope;
  // This worker's escalations see the grant at once, before visibility lists it.
  grantDirectoryFor(client, grant.taskQueue).note({
    id: grantId,
    tool,
    rules: [rule],
    startedAt: Date.parse(grant.createdAt),
  });
  const query = pendingEscalationsQuery({
    taskQueue: grant.taskQueue,
    tool,
    rule,
    ...(batch !== undefined ? { batch } : {}),
    startedBefore: new Date().toISOString(),
  });
  const limit = pLimit(16);
  let stopped = false;
  try {
    do {
      const page = await listBulkPage(client, query, SWEEP_PAGE, cursor);
      await Promise.all(
        page.ids.map((id) =>
          limit(async () => {
            if (stopped) return;
            const outcome: GrantOutcome = await decideForGrant(guard, grantId, grant, id);
            if (outcome === 'stopped') stopped = true;
            // A decision the grant did not make is not the grant's: only its outcomes count.
            else outcomes.push({ id, outcome });
          }),
        ),
      );
      cursor = page.next;
      beat();
    } while (cursor && !stopped);
  } finally {
    clearInterval(timer);
  }
  return countOutcomes(outcomes);
}

export interface MatchGrantsInput {
  escalationId: string;
  tool: string;
  /** The enforced `escalate` rules of the call. */
  rules: string[];
  context: CallContext;
}

export interface MatchGrantsResult {
  /** The grant that decided the escalation, when one did. */
  grantId?: string;
  outcome: GrantOutcome | 'no-grant';
}

/**
 * Finds the live grants of the call's tool and rules in visibility and asks each, oldest first, to decide the
 * escalation. A grant created a moment ago may not be visible yet: its second sweep catches what this misses.
 */
export async function matchStandingGrants({
  escalationId,
  tool,
  rules,
  context,
}: MatchGrantsInput): Promise<MatchGrantsResult> {
  const activity = Context.current();
  const client = activity.client;
  const taskQueue = activity.info.taskQueue;
  const listed = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: liveGrantsQuery(taskQueue, tool, rules),
    pageSize: 100,
  });
  const ids = (listed.executions ?? []).flatMap((e) => (e.execution?.workflowId ? [e.execution.workflowId] : []));
  if (ids.length === 0) return { outcome: 'no-grant' };
  const guard = new GuardClient({ client, taskQueue });
  let call: GuardedCallInput | undefined;
  // Visibility lists the newest first.
  for (const grantId of ids.reverse()) {
    const view: GrantView | undefined = await client.workflow
      .getHandle(grantId)
      .query(grantQuery)
      .catch(() => undefined);
    if (!view || !rules.includes(view.scope.rule) || !contextInScope(view.scope, context)) continue;
    call ??= (await startedCall(client, escalationId))?.call;
    if (!call) return { outcome: 'no-grant' };
    const outcome = await decideForGrant(guard, grantId, { ...view, approver: approverOf(view) }, escalationId, call);
    if (outcome === 'decided') return { grantId, outcome };
    // Decided by someone else or timed out meanwhile: no other grant can answer it either.
    if (outcome === 'already-decided' || outcome === 'timed-out') return { outcome };
  }
  return { outcome: 'no-grant' };
}

function approverOf(view: GrantView) {
  return { id: view.approver, groups: view.approverGroups };
}
