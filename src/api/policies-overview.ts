/**
 * What the inbox's Policies page shows, assembled from the policy files in force, visibility counts and the saved
 * last backtest: each rule's hits over the last day and week (one `count` per rule and window: the server groups
 * counts by ExecutionStatus only), the shadow policies' disagreement over the week, and the last backtest's summary.
 * The number of counts is bounded (at most {@link MAX_COUNTED_RULES} rules), and so are those running at once.
 */
import pLimit from 'p-limit';
import { quoteVisibility } from '../approvals/escalation-query';
import { recordedCallsQuery } from '../backtest/recorded-query';
import { readSavedBacktest, type SavedBacktest } from '../backtest/saved-backtest';
import { loadPolicyFile, PolicyEngine, type GuardAction, type LoadedPolicy } from '../policy';
import { countShadowCells, type ShadowSummary, type VisibilityCount } from '../shadow/shadow-summary';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** Rules beyond this many are listed without counts, so one page view asks a bounded number of counts. */
export const MAX_COUNTED_RULES = 100;
/** Counts asked of the server at once. */
export const COUNT_CONCURRENCY = 4;

/** One policy file in force. */
export interface PolicyFileRow {
  /** The path as configured. */
  path: string;
  /** `policy:` from the file, else its name. */
  name: string;
  /** sha256 of the source, first 12 hex digits. */
  hash: string;
  rules: number;
}

/** One rule and its recorded hits (audit-mode hits included: `GuardRules` names every rule that fired). */
export interface PolicyRuleRow {
  id: string;
  policy: string;
  type: 'static' | 'llm-judge' | 'remote';
  action: GuardAction;
  mode: 'enforce' | 'audit';
  tools: string[];
  /** Calls started in the last day and week whose decision names the rule; absent beyond MAX_COUNTED_RULES. */
  hits?: { day: number; week: number };
}

/** The whole page's data; also the answer of `GET /v1/policies`. */
export interface PoliciesOverview {
  /** When the counts were taken, ISO 8601. */
  countedAt: string;
  /** The version the worker records with each decision (hash of every file, in load order). */
  version?: string;
  files: PolicyFileRow[];
  /** Why the files in force could not be loaded (file, line, rule). */
  policyError?: string;
  rules: PolicyRuleRow[];
  /** Rules listed without counts (beyond MAX_COUNTED_RULES). */
  uncountedRules: number;
  /** The shadow policies' recorded disagreement over the last week (all zero without shadow policies). */
  shadow: ShadowSummary;
  /** The summary `policy backtest --save` kept; absent before the first. */
  lastBacktest?: SavedBacktest;
  /** Why the saved backtest could not be read. */
  lastBacktestError?: string;
}

/** Where the overview's parts come from. */
export interface OverviewSources {
  count: VisibilityCount;
  taskQueue: string;
  /** The policy files in force, in load order (DURABLE_GUARD_POLICY); none configured when empty. */
  policyFiles: readonly string[];
  /** The file `policy backtest --save` writes; no backtest section when absent. */
  lastBacktestFile?: string;
  now?: Date;
}

/** The visibility query of a rule's hits over the last `sinceMs`. */
export function ruleHitsQuery(taskQueue: string, rule: string, sinceMs: number, now: Date): string {
  return recordedCallsQuery(
    { sinceMs, query: `TaskQueue = ${quoteVisibility(taskQueue)} AND GuardRules = ${quoteVisibility(rule)}` },
    now,
  );
}

function loadFiles(files: readonly string[]): { policies: LoadedPolicy[]; version?: string; error?: string } {
  if (files.length === 0)
    return { policies: [], error: 'no policy file is configured for this API (DURABLE_GUARD_POLICY)' };
  try {
    const policies = files.map((file) => loadPolicyFile(file));
    return { policies, version: new PolicyEngine(policies).version };
  } catch (err) {
    return { policies: [], error: (err as Error).message };
  }
}

async function lastBacktestOf(
  file: string | undefined,
): Promise<Pick<PoliciesOverview, 'lastBacktest' | 'lastBacktestError'>> {
  if (file === undefined) return {};
  try {
    const saved = await readSavedBacktest(file);
    return saved ? { lastBacktest: saved } : {};
  } catch (err) {
    return { lastBacktestError: (err as Error).message };
  }
}

/** Assembles the overview: 2 counts per counted rule plus 20 for the shadow matrix, COUNT_CONCURRENCY at once. */
export async function policiesOverview(sources: OverviewSources): Promise<PoliciesOverview> {
  const now = sources.now ?? new Date();
  const limit = pLimit(COUNT_CONCURRENCY);
  const count: VisibilityCount = (query) => limit(() => sources.count(query));
  const { policies, version, error } = loadFiles(sources.policyFiles);
  const rules = policies.flatMap((policy) => policy.rules);
  const counted = rules.slice(0, MAX_COUNTED_RULES);
  const [hits, shadow, backtest] = await Promise.all([
    Promise.all(
      counted.map(async (rule) => {
        const [day, week] = await Promise.all([
          count(ruleHitsQuery(sources.taskQueue, rule.id, DAY_MS, now)),
          count(ruleHitsQuery(sources.taskQueue, rule.id, WEEK_MS, now)),
        ]);
        return { day, week };
      }),
    ),
    countShadowCells(count, { sinceMs: WEEK_MS, query: `TaskQueue = ${quoteVisibility(sources.taskQueue)}` }, now),
    lastBacktestOf(sources.lastBacktestFile),
  ]);
  return {
    countedAt: now.toISOString(),
    ...(version !== undefined ? { version } : {}),
    files: policies.map((p, i) => ({
      path: sources.policyFiles[i] as string,
      name: p.name,
      hash: p.hash.slice(0, 12),
      rules: p.rules.length,
    })),
    ...(error !== undefined ? { policyError: error } : {}),
    rules: rules.map((rule, i) => ({
      id: rule.id,
      policy: rule.policy,
      type: rule.type,
      action: rule.action,
      mode: rule.mode,
      tools: [...rule.tools],
      ...(hits[i] ? { hits: hits[i] } : {}),
    })),
    uncountedRules: rules.length - counted.length,
    shadow,
    ...backtest,
  };
}

/**
 * One overview at a time, reused for `ttlMs`: page views and refreshes within it ask the server nothing, and
 * requests that arrive while one is assembled share it. A failed assembly is not kept.
 */
export class OverviewCache {
  private entry?: { at: number; value: Promise<PoliciesOverview> };

  constructor(
    private readonly assemble: () => Promise<PoliciesOverview>,
    private readonly ttlMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(): Promise<PoliciesOverview> {
    const now = this.clock();
    if (this.entry && now - this.entry.at < this.ttlMs) return this.entry.value;
    const value = this.assemble();
    const entry = { at: now, value };
    this.entry = entry;
    value.catch(() => {
      if (this.entry === entry) this.entry = undefined;
    });
    return value;
  }
}
