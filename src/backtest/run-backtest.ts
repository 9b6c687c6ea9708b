/** A backtest: stream recorded calls, decide each again with the candidate, tally. */
import type { Client } from '@temporalio/client';
import type { Candidate } from './candidate';
import { recordedCalls, type RecordedCallsOptions } from './recorded-calls';
import { BacktestTally, type BacktestSummary } from './tally';

/** Options of {@link runBacktest}. */
export interface BacktestOptions extends RecordedCallsOptions {
  /** Examples kept per transition and per sharp case. @default 3 */
  examples?: number;
  /** Told after each call (progress). */
  onCall?: (done: number) => void;
}

/**
 * Decides every recorded call matching `query` again with the candidate, at the time it was made (its
 * `context.time`, else its start time).
 */
export async function runBacktest(
  client: Client,
  candidate: Candidate,
  query: string,
  options: BacktestOptions = {},
): Promise<BacktestSummary> {
  const { engine, skippedRules } = candidate;
  const tally = new BacktestTally(engine.version, query, options.examples ?? 3, skippedRules);
  let done = 0;
  for await (const recorded of recordedCalls(client, query, options)) {
    if ('skipped' in recorded) tally.skip(recorded);
    else {
      const { tool, input, context, toolSchema } = recorded.call;
      const decision = await engine.decide(
        { tool, input, context, ...(toolSchema !== undefined ? { toolSchema } : {}) },
        recorded.startedAt,
      );
      const offline = skippedRules.size > 0 && engine.rulesFor(tool).some((rule) => skippedRules.has(rule.id));
      tally.add(recorded, decision, offline);
    }
    options.onCall?.(++done);
  }
  return tally.result();
}
