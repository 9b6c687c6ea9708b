/** The activity of `bulkDecision`: one page of escalations listed and decided, resumable from its heartbeat. */
import { Context } from '@temporalio/activity';
import { bulkQuery, compileWhere, countOutcomes, decideBulkItems, listBulkPage } from '../approvals/bulk-targets';
import { GuardClient } from '../client/guard-client';
import type { BulkCounts, BulkDecisionInput, BulkItemOutcome } from '../workflows/bulk-definitions';

/** One page of a bulk decision: by visibility cursor, or a slice of explicit IDs. */
export interface BulkPageInput {
  bulkId: string;
  request: Omit<BulkDecisionInput, 'carry'>;
  /** The visibility cursor of this page (filters); absent for the first page. */
  cursor?: string;
  /** The IDs of this page (explicit IDs). */
  ids?: string[];
}

export interface BulkPageResult {
  counts: BulkCounts;
  /** Every outcome but `decided`, with its reason. */
  problems: BulkItemOutcome[];
  /** The next page's visibility cursor; absent when this was the last page. */
  next?: string;
}

/**
 * Updates in flight per page unless the request says otherwise. Each `decide` waits for its escalation's workflow
 * task, so the page's pace is the in-flight count over that wait: 64 halved the updates' time against 16 at
 * N = 200 on the shared 2-core machine (docs/benchmarks.md, Bulk decisions), within BULK_MAX_CONCURRENCY.
 */
export const DEFAULT_BULK_CONCURRENCY = 64;

/** What the activity heartbeats: the page it works on (listed once) and the outcomes so far. */
interface PageHeartbeat {
  ids: string[];
  next?: string;
  done: BulkItemOutcome[];
}

/**
 * Lists the page once and heartbeats it with every outcome: a retry after a crash resumes the same escalations
 * rather than listing again (those decided meanwhile have left the query), and re-sends only the undecided ones,
 * under the same update ID.
 */
export async function decideBulkPage({ bulkId, request, cursor, ids }: BulkPageInput): Promise<BulkPageResult> {
  const context = Context.current();
  const client = context.client;
  const previous = context.info.heartbeatDetails as PageHeartbeat | undefined;
  let page: { ids: string[]; next?: string };
  if (previous) page = previous;
  // Explicit IDs are each sent the decision, pending or not: the `decide` update says why one cannot be decided.
  else if (ids) page = { ids };
  else page = await listBulkPage(client, bulkQuery(request), request.pageSize ?? 200, cursor);
  const done = [...(previous?.done ?? [])];
  const beat = () => context.heartbeat({ ...page, done } satisfies PageHeartbeat);
  beat();
  const finished = new Set(done.map((o) => o.id));
  const guard = new GuardClient({ client, taskQueue: request.taskQueue });
  const timer = setInterval(beat, 2_000);
  try {
    await decideBulkItems(
      guard,
      page.ids.filter((id) => !finished.has(id)),
      {
        bulkId,
        decision: request.decision,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        approver: request.approver,
        where: compileWhere(request.filter.where),
        concurrency: request.concurrency ?? DEFAULT_BULK_CONCURRENCY,
      },
      (outcome) => done.push(outcome),
    );
  } finally {
    clearInterval(timer);
  }
  return {
    counts: countOutcomes(done),
    problems: done.filter((o) => o.outcome !== 'decided'),
    ...(page.next ? { next: page.next } : {}),
  };
}
