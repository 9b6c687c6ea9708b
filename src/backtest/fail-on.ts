/**
 * `--fail-on` thresholds of a backtest (a CI gate): `block>0` (calls the candidate newly blocks), `changed>=10`,
 * `allow->escalate>0`, `approved-would-block>0`, `sharp>0`, `unreadable>0`, `skipped>0`.
 */
import type { BacktestSummary } from './tally';

/** One parsed threshold. */
export interface Threshold {
  text: string;
  metric: string;
  op: '>' | '>=';
  value: number;
}

const ACTIONS = ['allow', 'modify', 'escalate', 'block'];
const NAMED = ['changed', 'sharp', 'approved-would-block', 'allowed-would-escalate', 'unreadable', 'skipped'];
const TRANSITION = /^(allow|modify|escalate|block)->(allow|modify|escalate|block)$/;

/**
 * Parses `METRIC>N` or `METRIC>=N`.
 * @throws Error naming the threshold and the metrics accepted
 */
export function parseThreshold(text: string): Threshold {
  const match = /^\s*([a-z-]+(?:->[a-z]+)?)\s*(>=|>)\s*(\d+)\s*$/.exec(text);
  const metric = match?.[1];
  if (!match || !metric || !(ACTIONS.includes(metric) || NAMED.includes(metric) || TRANSITION.test(metric))) {
    throw new Error(
      `--fail-on '${text}' is not a threshold: expected METRIC>N or METRIC>=N with METRIC one of ` +
        `${[...ACTIONS, ...NAMED].join(', ')} or FROM->TO (e.g. block>0, allow->escalate>=5)`,
    );
  }
  return { text: text.trim(), metric, op: match[2] as '>' | '>=', value: Number(match[3]) };
}

/** The value of a metric in a summary. An action alone counts the calls newly decided that way. */
export function metricValue(summary: BacktestSummary, metric: string): number {
  const transition = TRANSITION.exec(metric);
  if (transition) return summary.matrix[transition[1] as 'allow']?.[transition[2] as 'allow'] ?? 0;
  if (ACTIONS.includes(metric)) {
    return Object.entries(summary.matrix)
      .filter(([from]) => from !== metric)
      .reduce((sum, [, row]) => sum + (row?.[metric as 'allow'] ?? 0), 0);
  }
  switch (metric) {
    case 'changed':
      return summary.changed;
    case 'sharp':
      return summary.sharp['approved-would-block'].count + summary.sharp['allowed-would-escalate'].count;
    case 'approved-would-block':
    case 'allowed-would-escalate':
      return summary.sharp[metric].count;
    case 'unreadable':
      return summary.skipped.unreadable;
    default:
      return summary.skipped.invalid + summary.skipped.unreadable + summary.skipped.withoutNetworkRules;
  }
}

/** The thresholds a summary crosses, each as `text (value N)`. */
export function crossedThresholds(summary: BacktestSummary, thresholds: readonly Threshold[]): string[] {
  return thresholds.flatMap((t) => {
    const value = metricValue(summary, t.metric);
    const crossed = t.op === '>' ? value > t.value : value >= t.value;
    return crossed ? [`${t.text} (is ${value})`] : [];
  });
}
