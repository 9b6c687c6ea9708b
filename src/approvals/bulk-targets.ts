/**
 * The side effects of a bulk decision, shared by its activity, the API's dry run and the CLI: which pending
 * escalations a filter covers (visibility pages, a CEL `where` over each input) and one escalation decided through
 * its `decide` update, with its own outcome.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import pLimit from 'p-limit';
import { GuardApprovalError } from '../client/errors';
import type { GuardClient } from '../client/guard-client';
import { compileCondition, type CompiledCondition } from '../policy';
import {
  bulkReason,
  emptyBulkCounts,
  type BulkApprover,
  type BulkCounts,
  type BulkDecisionInput,
  type BulkFilter,
  type BulkItemOutcome,
} from '../workflows/bulk-definitions';
import { bulkFilterShapeProblem } from '../workflows/bulk-input';
import { statusQuery } from '../workflows/definitions';
import { grantMark, grantReason } from '../workflows/grant-definitions';
import { pendingEscalationsQuery, quoteVisibility } from './escalation-query';
import { startedCall } from './started-call';

/** The visibility query of a filter's pending escalations, as of the request (IDs: those of the given chunk). */
export function bulkQuery(
  input: Pick<BulkDecisionInput, 'filter' | 'taskQueue' | 'requestedAt'>,
  ids?: readonly string[],
): string {
  const { filter, taskQueue, requestedAt } = input;
  const startedBefore = new Date(Date.parse(requestedAt) - (filter.olderThanMs ?? 0)).toISOString();
  const query = pendingEscalationsQuery({
    taskQueue,
    startedBefore,
    ...(filter.batch !== undefined ? { batch: filter.batch } : {}),
    ...(filter.tool !== undefined ? { tool: filter.tool } : {}),
    ...(filter.rule !== undefined ? { rule: filter.rule } : {}),
  });
  return ids ? `${query} AND WorkflowId IN (${ids.map(quoteVisibility).join(', ')})` : query;
}

/** The problem with a filter, or undefined when it can be run. */
export function bulkFilterProblem(filter: BulkFilter): string | undefined {
  const shape = bulkFilterShapeProblem(filter);
  if (shape) return shape;
  if (filter.where !== undefined) {
    const compiled = compileCondition(filter.where);
    if ('error' in compiled) return `filter.where is not a valid CEL condition: ${compiled.error}`;
  }
  return undefined;
}

/** The compiled `where`, or undefined without one. @throws Error for a condition that does not compile */
export function compileWhere(where: string | undefined): CompiledCondition | undefined {
  if (where === undefined) return undefined;
  const compiled = compileCondition(where);
  if ('error' in compiled) throw new Error(`filter.where is not a valid CEL condition: ${compiled.error}`);
  return compiled.condition;
}

const GRPC_UNIMPLEMENTED = 12;

/**
 * One page of IDs of a visibility query; `cursor` is the previous page's `next` (base64).
 * @throws ApplicationFailure `GUARD_VISIBILITY_UNAVAILABLE` (non-retryable) from a server that lists nothing
 */
export async function listBulkPage(
  client: Client,
  query: string,
  pageSize: number,
  cursor?: string,
): Promise<{ ids: string[]; next?: string }> {
  const response = await client.workflowService
    .listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      ...(cursor ? { nextPageToken: Buffer.from(cursor, 'base64') } : {}),
    })
    .catch((err: unknown) => {
      // UNIMPLEMENTED is the server's lasting answer: retrying the page cannot help.
      if ((err as { code?: unknown }).code !== GRPC_UNIMPLEMENTED) throw err;
      throw ApplicationFailure.create({
        type: 'GUARD_VISIBILITY_UNAVAILABLE',
        message: `this Temporal server does not list workflows (${(err as Error).message}): no escalation can be found by filter`,
        nonRetryable: true,
      });
    });
  const ids = (response.executions ?? []).flatMap((e) => (e.execution?.workflowId ? [e.execution.workflowId] : []));
  const token = response.nextPageToken;
  return { ids, ...(token && token.length > 0 ? { next: Buffer.from(token).toString('base64') } : {}) };
}

/** Whether the escalation's input satisfies `where` (a runtime error or a non-true value is no match). */
export async function whereMatches(client: Client, id: string, where: CompiledCondition): Promise<boolean> {
  const started = await startedCall(client, id);
  if (!started) return false;
  try {
    return where({ tool: started.call.tool, input: started.call.input, context: { ...started.call.context } }) === true;
  } catch {
    return false;
  }
}

/** What a bulk decision sends to each escalation. */
export interface BulkItemRequest {
  bulkId: string;
  decision: 'approve' | 'deny';
  reason?: string;
  approver: BulkApprover;
  /** Set when a standing grant decides (`bulkId` is then the grant's ID): the result names the grant. */
  grantId?: string;
}

async function decidedByThisBulk(client: Client, id: string, mark: string): Promise<boolean> {
  const status = await client.workflow
    .getHandle(id)
    .query(statusQuery)
    .catch(() => undefined);
  return status?.result?.reason?.endsWith(mark) ?? false;
}

/**
 * Decides one escalation through the `decide` update, with the bulk decision's ID as the update ID: sent again
 * after a crash, it is answered with the first outcome, so nothing is decided twice. Transport failures and an
 * unavailable Temporal are thrown (the activity retries); every other answer is the escalation's outcome.
 */
export async function decideBulkItem(
  guard: GuardClient,
  id: string,
  request: BulkItemRequest,
): Promise<BulkItemOutcome> {
  const options = {
    by: request.approver.id,
    groups: request.approver.groups,
    reason:
      request.grantId !== undefined
        ? grantReason(request.grantId, request.reason ?? 'standing grant')
        : bulkReason(request.bulkId, request.decision, request.reason),
    updateId: request.bulkId,
    ...(request.grantId !== undefined ? { grantId: request.grantId } : {}),
  };
  const mark = request.grantId !== undefined ? grantMark(request.grantId) : `(bulk decision ${request.bulkId})`;
  for (let attempt = 1; ; attempt++) {
    const outcome = await sendBulkDecision(guard, id, request.decision, options, mark);
    if (outcome.outcome !== 'failed' || attempt >= UNAPPLIED_ATTEMPTS || !(await stillPending(guard.client, id)))
      return outcome;
    // The update was never applied (its workflow task timed out on a starved worker): the same update ID again.
    await new Promise((resolve) => setTimeout(resolve, UNAPPLIED_BACKOFF_MS * 2 ** (attempt - 1)));
  }
}

/**
 * Attempts of an update that failed while its escalation stayed pending (a workflow task that timed out on an
 * overloaded worker fails the update it carried, unapplied), 1 s apart and doubling: about a minute in all.
 */
const UNAPPLIED_ATTEMPTS = 7;
const UNAPPLIED_BACKOFF_MS = 1_000;

async function stillPending(client: Client, id: string): Promise<boolean> {
  const status = await client.workflow
    .getHandle(id)
    .query(statusQuery)
    .catch(() => undefined);
  return status?.status === 'pending-approval';
}

/** An error's message with its causes', so a `failed` outcome says what Temporal answered. */
function messageChain(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (!parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ') || String(err);
}

async function sendBulkDecision(
  guard: GuardClient,
  id: string,
  decision: 'approve' | 'deny',
  options: Parameters<GuardClient['approve']>[1],
  mark: string,
): Promise<BulkItemOutcome> {
  try {
    await (decision === 'approve' ? guard.approve(id, options) : guard.deny(id, options));
    return { id, outcome: 'decided' };
  } catch (err) {
    if (!(err instanceof GuardApprovalError)) {
      if ((err as { name?: string }).name === 'GuardUnavailable') throw err;
      const code = (err as { code?: unknown }).code;
      // gRPC transport trouble (UNAVAILABLE 14, DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8): retry the page.
      if (code === 14 || code === 4 || code === 8) throw err;
      return { id, outcome: 'failed', message: messageChain(err) };
    }
    switch (err.code) {
      case 'GUARD_ALREADY_DECIDED':
        // A retry of this very decision on an escalation that has ended since: its reason names this bulk decision.
        return (await decidedByThisBulk(guard.client, id, mark))
          ? { id, outcome: 'decided' }
          : { id, outcome: 'already-decided', message: err.message };
      case 'GUARD_TIMED_OUT':
        return { id, outcome: 'timed-out', message: err.message };
      case 'GUARD_APPROVER_NOT_ALLOWED':
        return { id, outcome: 'not-allowed', message: err.message };
      case 'GUARD_NOT_ESCALATED':
        return { id, outcome: 'not-matched', message: err.message };
      default:
        return { id, outcome: 'failed', message: err.message };
    }
  }
}

/** Outcomes of a list of escalations: `where` checked first, then each decided, `concurrency` at a time. */
export async function decideBulkItems(
  guard: GuardClient,
  ids: readonly string[],
  request: BulkItemRequest & { where?: CompiledCondition; concurrency: number },
  onOutcome: (outcome: BulkItemOutcome) => void = () => undefined,
): Promise<BulkItemOutcome[]> {
  const limit = pLimit(request.concurrency);
  return Promise.all(
    ids.map((id) =>
      limit(async () => {
        const outcome =
          request.where && !(await whereMatches(guard.client, id, request.where))
            ? { id, outcome: 'not-matched' as const, message: 'the input does not satisfy filter.where' }
            : await decideBulkItem(guard, id, request);
        onOutcome(outcome);
        return outcome;
      }),
    ),
  );
}

/** Counts of a list of outcomes. */
export function countOutcomes(outcomes: readonly BulkItemOutcome[]): BulkCounts {
  const counts = emptyBulkCounts();
  for (const { outcome } of outcomes) counts[outcome]++;
  return counts;
}

/** A dry run: how many pending escalations the filter covers now, and the first few of them. */
export async function matchBulk(
  client: Client,
  input: Pick<BulkDecisionInput, 'filter' | 'taskQueue' | 'requestedAt'>,
  { sampleSize = 5, concurrency = 16 }: { sampleSize?: number; concurrency?: number } = {},
): Promise<{ count: number; sample: string[] }> {
  const where = compileWhere(input.filter.where);
  const ids = input.filter.ids;
  if (!where && !ids) {
    const { count } = await client.workflow.count(bulkQuery(input));
    const { ids: first } = await listBulkPage(client, bulkQuery(input), sampleSize);
    return { count, sample: first };
  }
  const limit = pLimit(concurrency);
  let count = 0;
  const sample: string[] = [];
  const take = async (page: string[]) => {
    const matched = await Promise.all(
      page.map((id) => limit(async () => (where ? whereMatches(client, id, where) : true))),
    );
    page.forEach((id, i) => {
      if (!matched[i]) return;
      count++;
      if (sample.length < sampleSize) sample.push(id);
    });
  };
  if (ids) {
    for (let i = 0; i < ids.length; i += 100) {
      await take((await listBulkPage(client, bulkQuery(input, ids.slice(i, i + 100)), 100)).ids);
    }
    return { count, sample };
  }
  let cursor: string | undefined;
  do {
    const page = await listBulkPage(client, bulkQuery(input), 1000, cursor);
    await take(page.ids);
    cursor = page.next;
  } while (cursor);
  return { count, sample };
}
