/**
 * Every item's outcome in a page-mode batch, one character per item (pure, no Temporal): 100,000 items are 100 KB
 * carried across continue-as-new, far below the 2 MB payload limit. Lower case: decided in its page; upper case:
 * ran as a `guardedCall` child.
 */
import type { Finish } from './batch-state';
import type { BatchItemOutcome, BatchProblem } from './definitions';

const NOT_STARTED = '.';
const RUNNING = 'r';
const PENDING = 'p';
const DONE: Record<'allow' | 'modify' | 'block', string> = { allow: 'a', modify: 'm', block: 'b' };
const ENDED: Record<'failed' | 'invalid' | 'cancelled', string> = { failed: 'f', invalid: 'i', cancelled: 'c' };

const DECODE: Record<string, Pick<BatchItemOutcome, 'status' | 'action'>> = {
  [NOT_STARTED]: { status: 'not-started' },
  [RUNNING]: { status: 'running' },
  [PENDING]: { status: 'pending-approval' },
  a: { status: 'done', action: 'allow' },
  m: { status: 'done', action: 'modify' },
  b: { status: 'done', action: 'block' },
  d: { status: 'done' },
  f: { status: 'failed' },
  i: { status: 'invalid' },
  c: { status: 'cancelled' },
};

function code(finish: Finish): string {
  if (finish.status !== 'done') return ENDED[finish.status];
  const action = finish.action;
  return action === 'allow' || action === 'modify' || action === 'block' ? DONE[action] : 'd';
}

export class PageOutcomes {
  private readonly codes: string[];

  constructor(carried = '') {
    this.codes = [...carried];
  }

  get length(): number {
    return this.codes.length;
  }

  private put(index: number, c: string): void {
    while (this.codes.length < index) this.codes.push(NOT_STARTED);
    this.codes[index] = c;
  }

  /** The item runs in its page (lower case) or as a child (upper case). */
  running(index: number, child = false): void {
    this.put(index, child ? RUNNING.toUpperCase() : RUNNING);
  }

  /** A child escalated and waits for a human. */
  pending(index: number): void {
    this.put(index, PENDING.toUpperCase());
  }

  /** How the item ended; an item that ran as a child keeps its upper case. */
  finish(index: number, finish: Finish): void {
    const was = this.codes[index];
    const child = was !== undefined && was !== was.toLowerCase();
    const c = code(finish);
    this.put(index, child ? c.toUpperCase() : c);
  }

  encode(): string {
    return this.codes.join('');
  }

  /**
   * Outcomes of items `offset` to `offset + limit - 1` (up to `total`), with the reasons the listed problems give.
   * Items past the known ones are `not-started`.
   */
  read(
    batchId: string,
    { offset, limit, total, problems }: { offset: number; limit: number; total: number; problems: BatchProblem[] },
  ): BatchItemOutcome[] {
    const reasons = new Map(problems.map((p) => [p.index, p.reason]));
    const out: BatchItemOutcome[] = [];
    const end = Math.min(total, offset + limit);
    for (let index = Math.max(0, offset); index < end; index += 1) {
      const c = this.codes[index] ?? NOT_STARTED;
      const lower = c.toLowerCase();
      const decoded = DECODE[lower] ?? { status: 'not-started' };
      const reason = reasons.get(index);
      out.push({
        index,
        itemId: `${batchId}/${index}`,
        ...decoded,
        ...(c !== lower ? { child: true as const } : {}),
        ...(reason !== undefined ? { reason } : {}),
      });
    }
    return out;
  }
}
