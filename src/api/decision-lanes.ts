/**
 * One decision at a time per escalation, in this API process. A burst of approvals on one call (a hundred people
 * clicking the same Slack link) would otherwise send a hundred `decide` updates at once: Temporal takes ten in
 * flight per workflow, and the rest time out or are dropped. In a lane the first one decides; once the call is
 * decided, those queued behind it are answered from that outcome without reaching Temporal. Votes of a quorum
 * still go one after another, each to the workflow, which stays the judge of every decision.
 */
import type { GuardResult } from '../workflows/definitions';

const MAX_OUTCOMES = 10_000;
/** Codes after which no later decision can succeed: the call is final. */
const FINAL_CODES = new Set(['GUARD_ALREADY_DECIDED', 'GUARD_TIMED_OUT', 'GUARD_NOT_ESCALATED']);

export class DecisionLanes {
  private readonly lanes = new Map<string, Promise<unknown>>();
  /** The error that answers every later decision on a call that is final. */
  private readonly final = new Map<string, Error>();

  /**
   * Runs `decide` after the decisions already queued for `id`; when one of them made the call final, throws
   * `whenDecided(result)` (or the final refusal it got) instead.
   */
  async run(id: string, decide: () => Promise<GuardResult>, whenDecided: (result: GuardResult) => Error) {
    const before = this.lanes.get(id) ?? Promise.resolve();
    const mine = before
      .catch(() => undefined)
      .then(async () => {
        const known = this.final.get(id);
        if (known) throw known;
        try {
          const result = await decide();
          if (result.action !== 'escalate') this.remember(id, whenDecided(result));
          return result;
        } catch (err) {
          if (FINAL_CODES.has((err as { code?: string }).code ?? '')) this.remember(id, err as Error);
          throw err;
        }
      });
    this.lanes.set(id, mine);
    try {
      return await mine;
    } finally {
      if (this.lanes.get(id) === mine) this.lanes.delete(id);
    }
  }

  private remember(id: string, answer: Error): void {
    if (this.final.size >= MAX_OUTCOMES) {
      const oldest = this.final.keys().next().value;
      if (oldest !== undefined) this.final.delete(oldest);
    }
    this.final.set(id, answer);
  }
}
