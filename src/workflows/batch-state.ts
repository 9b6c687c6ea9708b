/** The bookkeeping of one batch run: which items run, wait or finished, and the counts (pure, no Temporal). */
import {
  BATCH_MAX_LISTED,
  type BatchCarry,
  type BatchCounts,
  type BatchProblem,
  type BatchProgress,
  type BatchSummary,
  type GuardAction,
} from './definitions';
import type { PageOutcomes } from './batch-outcomes';

/** How an item ended. */
export interface Finish {
  status: 'done' | 'failed' | 'cancelled' | 'invalid';
  action?: GuardAction;
  reason?: string;
  tool?: string;
}

export function emptyCounts(): BatchCounts {
  return {
    byAction: { allow: 0, modify: 0, block: 0 },
    byStatus: { running: 0, 'pending-approval': 0, done: 0, failed: 0, invalid: 0, cancelled: 0 },
    escalated: 0,
  };
}

export class BatchState {
  nextIndex: number;
  total?: number;
  private readonly counts: BatchCounts;
  private readonly problems: BatchProblem[];
  private problemsNotListed: number;
  private readonly startedAt: string;
  private readonly runs: number;
  private readonly runningSet = new Set<number>();
  private readonly pendingSet: Set<number>;
  private readonly openThisRun = new Set<number>();
  /** Page mode: every item's outcome, one character each (absent in item mode). */
  outcomes?: PageOutcomes;

  constructor(
    private readonly batchId: string,
    carry: BatchCarry | undefined,
    private readonly expectedTotal: number | undefined,
    now = new Date().toISOString(),
  ) {
    this.nextIndex = carry?.nextIndex ?? 0;
    this.total = carry?.total;
    this.counts = carry?.counts ?? emptyCounts();
    this.problems = carry?.problems ?? [];
    this.problemsNotListed = carry?.problemsNotListed ?? 0;
    this.startedAt = carry?.startedAt ?? now;
    this.runs = (carry?.runs ?? 0) + 1;
    this.pendingSet = new Set(carry?.pending ?? []);
  }

  get running(): number {
    return this.runningSet.size;
  }

  get pending(): number {
    return this.pendingSet.size;
  }

  /** Children started by this run that have not finished (bounded by the server's pending-children limit). */
  get openInRun(): number {
    return this.openThisRun.size;
  }

  isRunning(index: number): boolean {
    return this.runningSet.has(index);
  }

  isPending(index: number): boolean {
    return this.pendingSet.has(index);
  }

  pendingIndices(): number[] {
    return [...this.pendingSet];
  }

  /** The next item's index; it is now running. */
  startNext(): number {
    const index = this.nextIndex++;
    this.runningSet.add(index);
    this.openThisRun.add(index);
    return index;
  }

  /** The next line is not an item: it ends at once as invalid. */
  invalidNext(reason: string): void {
    this.record(this.nextIndex++, { status: 'invalid', reason });
  }

  /** A running item escalated: it waits for a human and no longer counts against the concurrency. */
  markPending(index: number): void {
    if (this.runningSet.delete(index)) {
      this.pendingSet.add(index);
      this.counts.escalated += 1;
      this.outcomes?.pending(index);
    }
  }

  /** Records an item's end once; a second report of the same item (signal and result) is ignored. */
  finish(index: number, finish: Finish): boolean {
    if (!this.runningSet.delete(index) && !this.pendingSet.delete(index)) return false;
    this.openThisRun.delete(index);
    this.record(index, finish);
    return true;
  }

  /** No more lines: the total is known. */
  sourceExhausted(): void {
    this.total = this.nextIndex;
  }

  /** The batch is cancelled: items not started yet end as cancelled (counted when the total is known). */
  cancelNotStarted(): void {
    const known = this.total ?? this.expectedTotal ?? this.nextIndex;
    const notStarted = Math.max(0, known - this.nextIndex);
    this.counts.byStatus.cancelled += notStarted;
    for (let i = this.nextIndex; this.outcomes && i < this.nextIndex + notStarted; i += 1)
      this.outcomes.finish(i, { status: 'cancelled' });
    this.total = this.nextIndex + notStarted;
    this.nextIndex = this.total;
  }

  carry(cursor: number, cancelling: boolean): BatchCarry {
    return {
      nextIndex: this.nextIndex,
      cursor,
      ...(this.total !== undefined ? { total: this.total } : {}),
      counts: this.counts,
      pending: this.pendingIndices(),
      problems: this.problems,
      problemsNotListed: this.problemsNotListed,
      startedAt: this.startedAt,
      runs: this.runs,
      ...(cancelling ? { cancelling } : {}),
      ...(this.outcomes ? { outcomes: this.outcomes.encode() } : {}),
    };
  }

  progress(state: BatchProgress['state'] = 'running'): BatchProgress {
    const s = this.counts.byStatus;
    return {
      batchId: this.batchId,
      state,
      done: s.done + s.failed + s.invalid + s.cancelled,
      total: this.total ?? this.expectedTotal,
      running: this.running,
      pendingEscalations: this.pending,
      pendingIds: this.pendingIndices()
        .slice(0, BATCH_MAX_LISTED)
        .map((i) => `${this.batchId}/${i}`),
      counts: {
        ...this.counts,
        byStatus: { ...s, running: this.running, 'pending-approval': this.pending },
      },
      startedAt: this.startedAt,
      runs: this.runs,
      ...(this.outcomes ? { mode: 'page' as const } : {}),
    };
  }

  /** The listed problems so far (page mode reads their reasons per item). */
  listedProblems(): BatchProblem[] {
    return this.problems;
  }

  summary(state: 'completed' | 'cancelled', now = new Date().toISOString()): BatchSummary {
    return {
      ...this.progress(state),
      problems: this.problems,
      problemsNotListed: this.problemsNotListed,
      finishedAt: now,
    };
  }

  private record(index: number, { status, action, reason, tool }: Finish): void {
    this.outcomes?.finish(index, { status, action });
    this.counts.byStatus[status] += 1;
    if (action === 'allow' || action === 'modify' || action === 'block') this.counts.byAction[action] += 1;
    if (status === 'done' && action !== 'block') return;
    if (this.problems.length >= BATCH_MAX_LISTED) {
      this.problemsNotListed += 1;
      return;
    }
    this.problems.push({
      index,
      ...(status === 'invalid' ? {} : { itemId: `${this.batchId}/${index}` }),
      ...(tool ? { tool } : {}),
      status,
      reason: reason ?? (action === 'block' ? 'blocked' : status),
    });
  }
}
