/** The per-decision budget: how much text a decision may scan and how long it may compute. */

/** A policy's `limits:` block, resolved. See docs/policies.md. */
export interface DecisionLimits {
  /** Most characters of input that rules may scan in one decision (detectors, redaction, `matches()`). */
  maxScanBytes: number;
  /** Most milliseconds one decision may spend evaluating conditions and running detectors. */
  maxDecisionMs: number;
  /** What a call gets when its decision runs over the budget. */
  onExceeded: 'block' | 'escalate';
}

/**
 * The limits in force when no policy sets them: an input at the largest size accepted, scanned by eight rules,
 * and 250 ms of computing, a few times the slowest whole-policy decision measured on adversarial input, so that a
 * hostile decision holds the worker's event loop for at most that long (docs/policies.md, docs/benchmarks.md).
 */
export const DEFAULT_DECISION_LIMITS: DecisionLimits = {
  maxScanBytes: 16 * 1024 * 1024,
  maxDecisionMs: 250,
  onExceeded: 'block',
};

/** Rule id of the hit that reports a decision over budget. */
export const DECISION_BUDGET_RULE_ID = 'guard:decision-budget';

/** Milliseconds from some fixed origin, increasing; `performance.now` by default, a fake one in tests. */
export type Clock = () => number;

/** A decision ran over its budget. Thrown inside the engine only; the engine turns it into a decision. */
export class DecisionBudgetError extends Error {
  override readonly name = 'DecisionBudgetError';
  /** The error code of the decision budget (DESIGN.md). */
  readonly code = 'GUARD_DECISION_BUDGET';
  /** Which limit was exceeded. */
  readonly limit: 'maxScanBytes' | 'maxDecisionMs';

  constructor(limit: 'maxScanBytes' | 'maxDecisionMs', message: string) {
    super(message);
    this.limit = limit;
  }
}

/** Work units (characters) between two reads of the clock: reading it per string would cost more than a scan. */
const POLL_EVERY = 32 * 1024;

/**
 * What one decision has spent. The engine makes one per decision; scans {@link DecisionBudget.spend} the text
 * they are about to read and {@link DecisionBudget.poll} as they work. Both throw {@link DecisionBudgetError}
 * once a limit is passed, and the budget stays exceeded: code that catches errors (a CEL function) cannot hide it.
 */
export class DecisionBudget {
  private scanned = 0;
  private sincePoll = 0;
  private used = 0;
  private segmentStart: number | undefined;
  /** Set once a limit is passed; later calls throw it again. */
  exceeded?: DecisionBudgetError;

  constructor(
    readonly limits: DecisionLimits,
    private readonly clock: Clock,
  ) {}

  /** Characters scanned so far. */
  get scannedBytes(): number {
    return this.scanned;
  }

  /** Milliseconds of computation so far (time spent waiting for llm-judge or remote rules excluded). */
  get elapsedMs(): number {
    return this.used + (this.segmentStart === undefined ? 0 : this.clock() - this.segmentStart);
  }

  /** Starts (or restarts) counting time: the engine computes from here. */
  resume(): void {
    this.segmentStart ??= this.clock();
  }

  /** Stops counting time, while the engine waits for network rules. */
  pause(): void {
    if (this.segmentStart === undefined) return;
    this.used += this.clock() - this.segmentStart;
    this.segmentStart = undefined;
  }

  /** Counts `chars` characters about to be scanned; throws when that passes `maxScanBytes`. */
  spend(chars: number): void {
    if (this.exceeded) throw this.exceeded;
    this.scanned += chars;
    if (this.scanned > this.limits.maxScanBytes) {
      this.fail(
        'maxScanBytes',
        `scanned ${formatBytes(this.scanned)} of ${formatBytes(this.limits.maxScanBytes)} allowed`,
      );
    }
    this.poll(chars);
  }

  /**
   * Counts `work` units (about one per character handled) and reads the clock every so often, or now when `work`
   * is `Infinity`; throws when the decision has run longer than `maxDecisionMs`.
   */
  poll(work = 1): void {
    if (this.exceeded) throw this.exceeded;
    this.sincePoll += work;
    if (this.sincePoll < POLL_EVERY) return;
    this.sincePoll = 0;
    const elapsed = this.elapsedMs;
    if (elapsed > this.limits.maxDecisionMs) {
      this.fail(
        'maxDecisionMs',
        `computed for ${Math.round(elapsed)} ms of ${this.limits.maxDecisionMs} ms allowed ` +
          `(after scanning ${formatBytes(this.scanned)})`,
      );
    }
  }

  private fail(limit: 'maxScanBytes' | 'maxDecisionMs', what: string): never {
    this.exceeded = new DecisionBudgetError(limit, `decision budget exceeded: ${what} (limits.${limit})`);
    throw this.exceeded;
  }
}

/** `512 bytes`, `64 KB`, `1.9 MB` (binary units, as the limits are written). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${trim(bytes / 1024)} KB`;
  return `${trim(bytes / (1024 * 1024))} MB`;
}

function trim(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
