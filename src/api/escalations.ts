/** Reading escalations from Temporal: the visibility list of pending ones, and one escalation in detail. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import {
  guardBatchIdKey,
  guardToolKey,
  statusQuery,
  type CallStatus,
  type GuardedCallInput,
  type GuardResult,
  type GuardStatus,
  type LadderStatus,
  type QuorumProgress,
  type RuleHit,
} from '../workflows/definitions';
import { guardMessage } from '../workflows/error-codes';
import { pendingEscalationsQuery } from '../approvals/escalation-query';
import { startedCall } from '../approvals/started-call';
import { ApiError } from './errors';
import { decodePageToken, encodePageToken, pageTokenRefused } from './page-token';
import { MAX_LISTING_AGE_DAYS } from './schemas';

/** One pending escalation as listed. */
export interface EscalationSummary {
  id: string;
  /** The run waiting (for a link to it in the Temporal Web UI). */
  runId?: string;
  tool: string;
  /** ISO-8601 start of the guarded call. */
  startedAt: string;
  batch?: string;
  reason?: string;
  rules: RuleHit[];
  /** ISO-8601 end of the approval window. */
  expiresAt?: string;
  /** Groups allowed to decide; empty means any authenticated approver. */
  approverGroups: string[];
  /** For a rule with a ladder: the steps taken and the next one, with its time. */
  ladder?: LadderStatus;
  /** The votes so far, when the rule needs several approvers. */
  approvals?: QuorumProgress;
}

/** Filters and paging of {@link listEscalations}. */
export interface ListEscalationsOptions {
  taskQueue: string;
  tool?: string;
  batch?: string;
  /** Only escalations started more than this many ms ago. */
  olderThanMs?: number;
  /** Only escalations started less than this many ms ago. */
  newerThanMs?: number;
  pageSize: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
  /** @default new Date() */
  now?: Date;
}

export interface EscalationPage {
  escalations: EscalationSummary[];
  /** Present when more may follow: pass it back as `pageToken`. */
  nextPageToken?: string;
}

/** One decision on an escalation: by a human, or by the clock. */
export interface EscalationDecision {
  decision: 'approve' | 'deny' | 'timeout';
  by?: string;
  /** ISO-8601. */
  at: string;
  reason?: string;
  modifiedInput?: Record<string, unknown>;
}

/** One guarded call in full, as an approver sees it. */
export interface EscalationDetail {
  id: string;
  tool: string;
  input: Record<string, unknown>;
  context?: Record<string, unknown>;
  status: GuardStatus;
  startedAt: string;
  reason?: string;
  rules: RuleHit[];
  expiresAt?: string;
  approverGroups: string[];
  /** For a rule with a ladder: the steps taken and the next one, with its time. */
  ladder?: LadderStatus;
  /** The votes so far (or final), when the rule needs several approvers. */
  approvals?: QuorumProgress;
  result?: GuardResult;
  decisions: EscalationDecision[];
}

/** The visibility query for pending escalations with the given filters. */
export function escalationQuery(options: Omit<ListEscalationsOptions, 'pageSize' | 'pageToken'>): string {
  const now = (options.now ?? new Date()).getTime();
  return pendingEscalationsQuery({
    taskQueue: options.taskQueue,
    ...(options.tool !== undefined ? { tool: options.tool } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.olderThanMs !== undefined ? { startedBefore: startedBefore(now, options.olderThanMs) } : {}),
    ...(options.newerThanMs !== undefined ? { startedAfter: startedBefore(now, options.newerThanMs) } : {}),
  });
}

function startedBefore(now: number, ageMs: number): string {
  if (!(ageMs >= 0 && ageMs <= MAX_LISTING_AGE_DAYS * 86_400_000)) {
    throw new RangeError(`an age of ${ageMs} ms is out of range: use 0 to ${MAX_LISTING_AGE_DAYS} days`);
  }
  return new Date(now - ageMs).toISOString();
}

/**
 * One visibility page. Temporal answers a page token it cannot read with UNKNOWN, like a failure of its own; the
 * same query without the token tells them apart, so a bad token is the caller's 400, not our 500.
 */
async function listPage(client: Client, options: ListEscalationsOptions) {
  const request = { namespace: client.options.namespace, query: escalationQuery(options), pageSize: options.pageSize };
  if (!options.pageToken) return client.workflowService.listWorkflowExecutions(request);
  const nextPageToken = decodePageToken(options, options.pageToken);
  try {
    return await client.workflowService.listWorkflowExecutions({ ...request, nextPageToken });
  } catch (err) {
    const withoutToken = await client.workflowService.listWorkflowExecutions({ ...request, pageSize: 1 }).then(
      () => true,
      () => false,
    );
    if (withoutToken) throw new ApiError('GUARD_INVALID_REQUEST', pageTokenRefused(options.pageToken), { cause: err });
    throw err;
  }
}

async function statusOf(client: Client, id: string): Promise<CallStatus | undefined> {
  try {
    return await client.workflow.getHandle(id).query(statusQuery);
  } catch {
    return undefined;
  }
}

/**
 * Lists pending escalations from a visibility query, each completed with its `status` query answer.
 * Visibility lags a little: an escalation decided a moment ago is dropped here because its status says so.
 */
export async function listEscalations(client: Client, options: ListEscalationsOptions): Promise<EscalationPage> {
  const namespace = client.options.namespace;
  const response = await listPage(client, options);
  const infos = await Promise.all(
    (response.executions ?? []).map((raw) =>
      executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace),
    ),
  );
  const rows = await Promise.all(
    infos.map(async (info): Promise<EscalationSummary | undefined> => {
      const status = await statusOf(client, info.workflowId);
      if (status && status.status !== 'pending-approval') return undefined;
      const batch = info.typedSearchAttributes.get(guardBatchIdKey);
      return {
        id: info.workflowId,
        runId: info.runId,
        tool: status?.tool ?? info.typedSearchAttributes.get(guardToolKey) ?? '(unknown)',
        startedAt: info.startTime.toISOString(),
        ...(batch ? { batch } : {}),
        ...(status?.decision?.reason ? { reason: status.decision.reason } : {}),
        rules: status?.decision?.rulesTriggered ?? [],
        ...(status?.expiresAt ? { expiresAt: status.expiresAt } : {}),
        approverGroups: status?.approverGroups ?? [],
        ...(status?.ladder ? { ladder: status.ladder } : {}),
        ...(status?.approvals ? { approvals: status.approvals } : {}),
      };
    }),
  );
  const token = response.nextPageToken;
  return {
    escalations: rows.filter((row): row is EscalationSummary => row !== undefined),
    ...(token && token.length > 0 ? { nextPageToken: encodePageToken(options, token) } : {}),
  };
}

function notFound(id: string, cause?: unknown): ApiError {
  return new ApiError('GUARD_ESCALATION_NOT_FOUND', guardMessage('GUARD_ESCALATION_NOT_FOUND', id), { cause });
}

/** The `status` query of a guarded call. @throws ApiError GUARD_ESCALATION_NOT_FOUND */
export async function escalationStatus(client: Client, id: string): Promise<CallStatus> {
  try {
    return await client.workflow.getHandle(id).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(id, err);
    if ((err as { name?: string }).name === 'QueryNotRegisteredError') throw notFound(id, err);
    throw err;
  }
}

/** The call as started. @throws ApiError GUARD_ESCALATION_NOT_FOUND when it is not a guarded call */
async function startedCallOf(client: Client, id: string): Promise<{ call: GuardedCallInput; startedAt: string }> {
  const started = await startedCall(client, id);
  if (!started) throw notFound(id);
  return started;
}

/** Each vote of a quorum, in the order counted (a denial after an approval withdrew it). */
function votesOf(approvals: QuorumProgress): EscalationDecision[] {
  const votes = [
    ...approvals.approvals.map((v) => ({ decision: 'approve' as const, vote: v })),
    ...approvals.denials.map((v) => ({ decision: 'deny' as const, vote: v })),
  ].sort((a, b) => a.vote.at.localeCompare(b.vote.at));
  return votes.map(({ decision, vote }) => ({
    decision,
    by: vote.by,
    at: vote.at,
    ...(vote.reason !== undefined ? { reason: vote.reason } : {}),
  }));
}

/** Who decided, from the result the status query holds: every vote of a quorum, then a timeout if the clock ended it. */
export function decisionsOf(result: GuardResult | undefined): EscalationDecision[] {
  const by = result?.decidedBy;
  if (!result || !by || by.kind === 'policy') return [];
  if (result.approvals) {
    const timeout = by.kind === 'timeout' ? [{ decision: 'timeout' as const, at: by.at, reason: result.reason }] : [];
    return [...votesOf(result.approvals), ...timeout];
  }
  if (by.kind === 'timeout')
    return [{ decision: 'timeout', at: by.at, ...(result.reason ? { reason: result.reason } : {}) }];
  return [
    {
      decision: result.action === 'block' ? 'deny' : 'approve',
      ...(by.identity ? { by: by.identity } : {}),
      at: by.at,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.modifiedInput && result.action === 'modify' ? { modifiedInput: result.modifiedInput } : {}),
    },
  ];
}

/** One guarded call in detail. @throws ApiError GUARD_ESCALATION_NOT_FOUND */
export async function getEscalation(client: Client, id: string): Promise<EscalationDetail> {
  let started: Awaited<ReturnType<typeof startedCallOf>>;
  try {
    started = await startedCallOf(client, id);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) throw notFound(id, err);
    throw err;
  }
  const status = await escalationStatus(client, id);
  const decision = status.decision;
  return {
    id,
    tool: status.tool,
    input: started.call.input,
    ...(started.call.context ? { context: started.call.context } : {}),
    status: status.status,
    startedAt: started.startedAt,
    ...(decision?.reason ? { reason: decision.reason } : {}),
    rules: decision?.rulesTriggered ?? [],
    ...(status.expiresAt ? { expiresAt: status.expiresAt } : {}),
    approverGroups: status.approverGroups ?? [],
    ...(status.ladder ? { ladder: status.ladder } : {}),
    ...(status.approvals ? { approvals: status.approvals } : {}),
    ...(status.result ? { result: status.result } : {}),
    decisions: decisionsOf(status.result),
  };
}
