/** Creating, listing and revoking standing grants (`standingGrant` workflows): "approve all like this", for a while. */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { pendingEscalationsQuery, quoteVisibility } from '../approvals/escalation-query';
import { listBulkPage } from '../approvals/bulk-targets';
import { resultOrQuery } from './bulk-decisions';
import { retryingTaskFailures } from './update-retry';
import { compileCondition, DEFAULT_MAX_GRANT_MS } from '../policy';
import type { BulkApprover } from '../workflows/bulk-definitions';
import { formatDuration } from '../workflows/call-validation';
import {
  guardBatchIdKey,
  guardGrantIdKey,
  guardGrantScopeKey,
  guardRulesKey,
  guardStatusKey,
  guardToolKey,
  statusQuery,
  type CallStatus,
} from '../workflows/definitions';
import { guardMessage } from '../workflows/error-codes';
import {
  grantQuery,
  grantScopeText,
  revokeGrantUpdate,
  STANDING_GRANT_TYPE,
  type GrantScope,
  type GrantState,
  type GrantView,
  type StandingGrantInput,
} from '../workflows/grant-definitions';

/** Codes a grant request can fail with (each an API error code with its status). */
export type GrantErrorCode =
  | 'GUARD_INVALID_REQUEST'
  | 'GUARD_FORBIDDEN'
  | 'GUARD_GRANT_TOO_LONG'
  | 'GUARD_GRANT_NOT_FOUND'
  | 'GUARD_GRANT_NOT_LIVE'
  | 'GUARD_NO_ESCALATION_FOR_GRANT'
  | 'GUARD_ESCALATION_NOT_FOUND';

/** A grant that cannot be created or revoked; `code` says why. */
export class GrantError extends Error {
  override name = 'GrantError';
  constructor(
    readonly code: GrantErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A grant as asked for: from an escalation (its tool and rule) or a scope, for `durationMs`. */
export interface CreateGrantRequest {
  /** Tool and rule required; batch, agent, caller and `where` narrow. Taken from `fromEscalation` when absent. */
  scope?: Partial<GrantScope>;
  /** A pending escalation the grant is made from: its tool, its escalating rule (the only one, or `scope.rule`). */
  fromEscalation?: string;
  durationMs: number;
  reason: string;
  approver: BulkApprover;
  /** Delay of the grant's second sweep (tests shorten it). @default 10000 */
  settleMs?: number;
}

const MAX_SCOPE_VALUE = 200;
const MAX_WHERE = 2000;

function escalatingRules(status: CallStatus): string[] {
  return (status.decision?.rulesTriggered ?? [])
    .filter((hit) => hit.action === 'escalate' && hit.mode === 'enforce')
    .map((hit) => hit.id);
}

function scopeProblem(scope: Partial<GrantScope>): string | undefined {
  for (const key of ['tool', 'rule', 'batch', 'agent', 'caller'] as const) {
    const value = scope[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '' || value.length > MAX_SCOPE_VALUE) {
      return `scope.${key} must be a non-empty string of at most ${MAX_SCOPE_VALUE} characters`;
    }
  }
  if (scope.tool === undefined || scope.rule === undefined) return 'a grant needs scope.tool and scope.rule';
  if (scope.where !== undefined) {
    if (typeof scope.where !== 'string' || scope.where.length > MAX_WHERE) {
      return `scope.where must be a CEL condition of at most ${MAX_WHERE} characters`;
    }
    const compiled = compileCondition(scope.where);
    if ('error' in compiled) return `scope.where is not a valid CEL condition: ${compiled.error}`;
  }
  return undefined;
}

/**
 * Standing grants on a task queue's escalations. A grant decides as the approver who created it, through each
 * escalation's `decide` update, so it never allows what the policy blocks and every decision says which grant made
 * it (`decidedBy: {kind: 'grant', grantId, identity}`).
 */
export class GrantClient {
  /**
   * @param client a connected Temporal client
   * @param taskQueue the task queue of the guarded calls (and of the grants)
   */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  /** The escalation the grant takes its rule's approver groups and maxGrant from. */
  private async ruleEscalation(scope: Partial<GrantScope>, fromEscalation?: string): Promise<CallStatus> {
    if (fromEscalation !== undefined) {
      try {
        return await this.client.workflow.getHandle(fromEscalation).query(statusQuery);
      } catch (err) {
        throw new GrantError('GUARD_ESCALATION_NOT_FOUND', guardMessage('GUARD_ESCALATION_NOT_FOUND', fromEscalation), {
          cause: err,
        });
      }
    }
    const query = pendingEscalationsQuery({
      taskQueue: this.taskQueue,
      tool: scope.tool as string,
      rule: scope.rule as string,
      ...(scope.batch !== undefined ? { batch: scope.batch } : {}),
    });
    const { ids } = await listBulkPage(this.client, query, 5);
    for (const id of ids) {
      const status = await this.client.workflow
        .getHandle(id)
        .query(statusQuery)
        .catch(() => undefined);
      if (status?.decision?.escalation !== undefined || status?.status === 'pending-approval') return status;
    }
    throw new GrantError(
      'GUARD_NO_ESCALATION_FOR_GRANT',
      `no pending escalation of tool ${scope.tool} under rule ${scope.rule}: a grant takes the rule's approver ` +
        'groups and maxGrant from one (create it from an escalation or a group of the queue)',
    );
  }

  /** Checks the request against the rule and starts the grant. @returns the grant as it starts */
  async create(request: CreateGrantRequest, now = new Date()): Promise<GrantView> {
    const asked = request.scope ?? {};
    let status: CallStatus | undefined;
    let scope = asked;
    if (request.fromEscalation !== undefined) {
      status = await this.ruleEscalation(asked, request.fromEscalation);
      const rules = escalatingRules(status);
      const rule = asked.rule ?? (rules.length === 1 ? rules[0] : undefined);
      if (rule === undefined || !rules.includes(rule)) {
        throw new GrantError(
          'GUARD_INVALID_REQUEST',
          `escalation ${request.fromEscalation} escalated under ${rules.join(', ') || 'no rule'}: ` +
            'give scope.rule as one of them',
        );
      }
      if (asked.tool !== undefined && asked.tool !== status.tool) {
        throw new GrantError('GUARD_INVALID_REQUEST', `escalation ${request.fromEscalation} is a ${status.tool} call`);
      }
      scope = { ...asked, tool: status.tool, rule };
    }
    const problem = scopeProblem(scope);
    if (problem) throw new GrantError('GUARD_INVALID_REQUEST', problem);
    const full = scope as GrantScope;
    if (request.reason.trim() === '') throw new GrantError('GUARD_INVALID_REQUEST', 'a grant needs a reason');
    status ??= await this.ruleEscalation(full);
    const groups = status.decision?.escalation?.approverGroups ?? [];
    if (groups.length > 0 && !request.approver.groups.some((g) => groups.includes(g))) {
      throw new GrantError(
        'GUARD_FORBIDDEN',
        `${request.approver.id} may not grant ${full.tool} / ${full.rule}: one of the approver groups ` +
          `${groups.join(', ')} is required`,
      );
    }
    const maxMs = status.decision?.escalation?.maxGrantMs ?? DEFAULT_MAX_GRANT_MS;
    if (!(request.durationMs > 0) || request.durationMs > maxMs) {
      throw new GrantError(
        'GUARD_GRANT_TOO_LONG',
        `a grant for rule ${full.rule} lasts at most ${formatDuration(maxMs)} (its maxGrant); ` +
          `asked for ${formatDuration(request.durationMs)}`,
      );
    }
    const id = `grant-${randomUUID()}`;
    const input: StandingGrantInput = {
      scope: full,
      approver: request.approver,
      ruleGroups: groups,
      reason: request.reason,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + request.durationMs).toISOString(),
      taskQueue: this.taskQueue,
      ...(request.settleMs !== undefined ? { settleMs: request.settleMs } : {}),
    };
    await this.client.workflow.start(STANDING_GRANT_TYPE, {
      workflowId: id,
      taskQueue: this.taskQueue,
      args: [input],
      staticSummary: `grant: approve ${full.tool} / ${full.rule} as ${request.approver.id} until ${input.expiresAt}`,
      staticDetails: `Reason: ${request.reason}\n\nScope: ${grantScopeText(full)}`,
      typedSearchAttributes: [
        { key: guardToolKey, value: full.tool },
        { key: guardRulesKey, value: [full.rule] },
        { key: guardStatusKey, value: 'live' },
        { key: guardGrantIdKey, value: id },
        { key: guardGrantScopeKey, value: grantScopeText(full) },
        ...(full.batch !== undefined ? [{ key: guardBatchIdKey, value: full.batch }] : []),
      ],
    });
    return {
      id,
      state: 'live',
      scope: full,
      approver: request.approver.id,
      approverGroups: request.approver.groups,
      ruleGroups: groups,
      reason: request.reason,
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
      swept: { decided: 0, 'already-decided': 0, 'timed-out': 0, 'not-allowed': 0, 'not-matched': 0, failed: 0 },
    };
  }

  /** One grant, live or ended; undefined for an unknown ID or another workflow type. */
  async get(id: string): Promise<GrantView | undefined> {
    return resultOrQuery(this.client, id, STANDING_GRANT_TYPE, grantQuery);
  }

  /** The grants of the task queue, newest first (at most `limit`), optionally in one state and for one tool. */
  async list({ state, tool, limit = 100 }: { state?: GrantState; tool?: string; limit?: number } = {}): Promise<
    GrantView[]
  > {
    const clauses = [`WorkflowType = '${STANDING_GRANT_TYPE}'`, `TaskQueue = ${quoteVisibility(this.taskQueue)}`];
    if (state !== undefined) clauses.push(`GuardStatus = ${quoteVisibility(state)}`);
    if (tool !== undefined) clauses.push(`GuardTool = ${quoteVisibility(tool)}`);
    const { ids } = await listBulkPage(this.client, clauses.join(' AND '), limit);
    const views = await Promise.all(ids.map((id) => this.get(id).catch(() => undefined)));
    return views.filter((v): v is GrantView => v !== undefined);
  }

  /**
   * Stops the grant at once: a match that asks it afterwards is refused. What it decided stays decided.
   * Only the grant's creator or an approver in the rule's groups (as they were when it was created) may.
   */
  async revoke(id: string, revoker: BulkApprover, reason?: string): Promise<GrantView> {
    const view = await this.get(id);
    if (!view) throw new GrantError('GUARD_GRANT_NOT_FOUND', `no standing grant with ID ${id}`);
    if (view.state !== 'live') {
      throw new GrantError('GUARD_GRANT_NOT_LIVE', guardMessage('GUARD_GRANT_NOT_LIVE', id, view.state));
    }
    const groups = view.ruleGroups;
    if (revoker.id !== view.approver && groups.length > 0 && !revoker.groups.some((g) => groups.includes(g))) {
      throw new GrantError(
        'GUARD_FORBIDDEN',
        `${revoker.id} may not revoke ${id}: it was created by ${view.approver}; one of the groups ` +
          `${groups.join(', ') || '(none)'} is required`,
      );
    }
    // One update ID for every attempt: sent again after a failed workflow task, it is applied at most once.
    const updateId = randomUUID();
    const handle = this.client.workflow.getHandle(id);
    try {
      return await retryingTaskFailures(() =>
        handle.executeUpdate(revokeGrantUpdate, {
          args: [{ by: revoker.id, ...(reason ? { reason } : {}) }],
          updateId,
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const type = (err.cause as { type?: string } | undefined)?.type;
        const code = type === 'GUARD_GRANT_NOT_LIVE' ? type : 'GUARD_INVALID_REQUEST';
        throw new GrantError(code, err.cause?.message ?? err.message, { cause: err });
      }
      // The grant ended between the look and the update.
      if (err instanceof WorkflowNotFoundError) {
        throw new GrantError('GUARD_GRANT_NOT_LIVE', guardMessage('GUARD_GRANT_NOT_LIVE', id, 'ended'), { cause: err });
      }
      throw err;
    }
  }
}
