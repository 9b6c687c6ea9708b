/**
 * The side effects of standing grants, shared by their activities: which live grants may answer an escalation, whether
 * an escalation is in a grant's scope, and one escalation decided for a grant through its `decide` update.
 */
import type { Client } from '@temporalio/client';
import type { GuardClient } from '../client/guard-client';
import { compileCondition, type CompiledCondition } from '../policy';
import type { BulkOutcome } from '../workflows/bulk-definitions';
import type { CallContext, GuardedCallInput } from '../workflows/definitions';
import {
  grantQuery,
  STANDING_GRANT_TYPE,
  type GrantScope,
  type GrantView,
  type StandingGrantInput,
} from '../workflows/grant-definitions';
import { decideBulkItem } from './bulk-targets';
import { quoteVisibility } from './escalation-query';
import { startedCall } from './started-call';

/** The visibility query of the live grants of a task queue, optionally for one tool and any of some rules. */
export function liveGrantsQuery(taskQueue: string, tool?: string, rules?: readonly string[]): string {
  const clauses = [
    `WorkflowType = ${quoteVisibility(STANDING_GRANT_TYPE)}`,
    `TaskQueue = ${quoteVisibility(taskQueue)}`,
    `ExecutionStatus = 'Running'`,
    `GuardStatus = 'live'`,
  ];
  if (tool !== undefined) clauses.push(`GuardTool = ${quoteVisibility(tool)}`);
  if (rules && rules.length > 0)
    clauses.push(`(${rules.map((r) => `GuardRules = ${quoteVisibility(r)}`).join(' OR ')})`);
  return clauses.join(' AND ');
}

const compiledWheres = new Map<string, CompiledCondition | undefined>();

function compiledWhere(where: string): CompiledCondition | undefined {
  if (!compiledWheres.has(where)) {
    if (compiledWheres.size > 1000) compiledWheres.clear();
    const compiled = compileCondition(where);
    compiledWheres.set(where, 'error' in compiled ? undefined : compiled.condition);
  }
  return compiledWheres.get(where);
}

/** Whether the scope's context parts (batch, agent, caller) hold for a call's context. */
export function contextInScope(scope: GrantScope, context: CallContext | undefined): boolean {
  return (['batch', 'agent', 'caller'] as const).every(
    (key) => scope[key] === undefined || context?.[key] === scope[key],
  );
}

/** Whether a call is in a grant's scope (tool, context parts and `where`; the rule is checked by the caller). */
export function callInScope(scope: GrantScope, call: Pick<GuardedCallInput, 'tool' | 'input' | 'context'>): boolean {
  if (call.tool !== scope.tool || !contextInScope(scope, call.context)) return false;
  if (scope.where === undefined) return true;
  const where = compiledWhere(scope.where);
  if (!where) return false;
  try {
    return where({ tool: call.tool, input: call.input, context: { ...call.context } }) === true;
  } catch {
    return false;
  }
}

/** The grant's state as the grant itself answers (authoritative, unlike visibility); undefined when it is gone. */
export async function grantView(client: Client, grantId: string): Promise<GrantView | undefined> {
  try {
    return await client.workflow.getHandle(grantId).query(grantQuery);
  } catch {
    return undefined;
  }
}

/** Whether the grant decides now: live and before its expiry. */
export function isLive(view: GrantView | undefined, now = Date.now()): view is GrantView {
  return view?.state === 'live' && Date.parse(view.expiresAt) > now;
}

/** The outcome of one escalation for a grant: a bulk outcome, or `stopped` when the grant is no longer live. */
export type GrantOutcome = BulkOutcome | 'stopped';

/**
 * Decides one escalation for a grant: asks the grant whether it is live (a revoked grant answers so at once), checks
 * the escalation against the scope, then sends the same `decide` update a bulk decision sends, with the grant's ID as
 * update ID and `grantId`, so the escalation's own validator applies every check (approver groups, still pending)
 * and a retry never decides twice.
 */
export async function decideForGrant(
  guard: GuardClient,
  grantId: string,
  grant: Pick<StandingGrantInput, 'scope' | 'approver' | 'reason'>,
  escalationId: string,
  call?: Pick<GuardedCallInput, 'tool' | 'input' | 'context'>,
): Promise<GrantOutcome> {
  const { scope } = grant;
  const needsCall = scope.where !== undefined || scope.agent !== undefined || scope.caller !== undefined;
  let started = call;
  if (!started && needsCall) started = (await startedCall(guard.client, escalationId))?.call;
  if (needsCall && (!started || !callInScope(scope, started))) return 'not-matched';
  if (!isLive(await grantView(guard.client, grantId))) return 'stopped';
  const { outcome } = await decideBulkItem(guard, escalationId, {
    bulkId: grantId,
    decision: 'approve',
    reason: grant.reason,
    approver: grant.approver,
    grantId,
  });
  return outcome;
}
