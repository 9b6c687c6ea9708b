/** The state of one `bulkDecision`: counts, the first problems, the cursor; carried across continue-as-new. */
import type { BulkPageResult } from '../activities/bulk-decide';
import {
  BULK_MAX_LISTED,
  BULK_OUTCOMES,
  emptyBulkCounts,
  type BulkCarry,
  type BulkDecisionInput,
  type BulkDecisionProgress,
} from './bulk-definitions';

export class BulkState {
  readonly counts;
  readonly problems;
  cursor: string | number | undefined;
  pages: number;
  runs: number;
  readonly startedAt: string;
  done = false;
  finishedAt: string | undefined;

  constructor(
    private readonly id: string,
    private readonly input: BulkDecisionInput,
    now: string,
  ) {
    const carry = input.carry;
    this.counts = { ...emptyBulkCounts(), ...carry?.counts };
    this.problems = [...(carry?.problems ?? [])];
    this.cursor = carry?.cursor;
    this.pages = carry?.pages ?? 0;
    this.runs = (carry?.runs ?? 0) + 1;
    this.startedAt = carry?.startedAt ?? now;
  }

  /** The explicit IDs of the next page, when the filter has them. */
  nextIds(pageSize: number): string[] | undefined {
    const ids = this.input.filter.ids;
    if (!ids) return undefined;
    const from = typeof this.cursor === 'number' ? this.cursor : 0;
    return ids.slice(from, from + pageSize);
  }

  add(page: BulkPageResult, idsTaken?: number): void {
    for (const outcome of BULK_OUTCOMES) this.counts[outcome] += page.counts[outcome];
    for (const problem of page.problems) {
      if (this.problems.length >= BULK_MAX_LISTED) break;
      this.problems.push(problem);
    }
    this.pages++;
    if (idsTaken !== undefined) {
      const next = (typeof this.cursor === 'number' ? this.cursor : 0) + idsTaken;
      this.cursor = next;
      this.done = next >= (this.input.filter.ids?.length ?? 0);
    } else {
      this.cursor = page.next;
      this.done = page.next === undefined;
    }
  }

  get seen(): number {
    return BULK_OUTCOMES.reduce((sum, outcome) => sum + this.counts[outcome], 0);
  }

  carry(): BulkCarry {
    return {
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
      counts: { ...this.counts },
      problems: [...this.problems],
      pages: this.pages,
      runs: this.runs,
      startedAt: this.startedAt,
    };
  }

  progress(): BulkDecisionProgress {
    const { decision, filter, approver } = this.input;
    return {
      id: this.id,
      state: this.done ? 'completed' : 'running',
      decision,
      filter,
      approver: approver.id,
      seen: this.seen,
      counts: { ...this.counts },
      problems: [...this.problems],
      pages: this.pages,
      runs: this.runs,
      startedAt: this.startedAt,
      ...(this.finishedAt ? { finishedAt: this.finishedAt } : {}),
    };
  }

  /** Markdown for the Web UI. */
  details(): string {
    const c = this.counts;
    const verb = this.input.decision === 'approve' ? 'Approving' : 'Denying';
    return (
      `**${this.done ? 'Done' : verb}** as ${this.input.approver.id}: ${this.seen} seen, ${c.decided} decided, ` +
      `${c['already-decided']} already decided, ${c['timed-out']} timed out, ${c['not-allowed']} not allowed, ` +
      `${c['not-matched']} not matched, ${c.failed} failed (${this.pages} pages)`
    );
  }
}
