/**
 * What a backtest keeps while it streams: counts per transition (recorded action -> candidate action), the rules
 * behind each change, a bounded number of examples per transition and per sharp case. Nothing grows with the
 * number of calls beyond one counter per distinct rule, policy version and transition.
 */
import type { GuardAction, PolicyDecision } from '../policy';
import type { HumanOutcome, RecordedCall, UnreadCall } from './recorded-calls';

/** The cases a reviewer must look at before enforcing a candidate. */
export type SharpCase = 'approved-would-block' | 'allowed-would-escalate';

/** One call shown as an example. */
export interface BacktestExample {
  workflowId: string;
  runId: string;
  tool: string;
  from: GuardAction;
  to: GuardAction;
  outcome?: HumanOutcome;
  /** The candidate's rules that decided, or the recorded rules that no longer do. */
  rules: string[];
  reason?: string;
}

/** The summary of a backtest; also its `--json` output. */
export interface BacktestSummary {
  candidateVersion: string;
  query: string;
  /** Calls decided again. */
  decided: number;
  /** Calls decided the same way. */
  unchanged: number;
  /** Calls whose action the candidate changes. */
  changed: number;
  /** `matrix[recorded][candidate]` = calls. */
  matrix: Partial<Record<GuardAction, Partial<Record<GuardAction, number>>>>;
  /** Per changed transition `from->to`: rule ID -> calls it is responsible for. */
  rulesByTransition: Record<string, Record<string, number>>;
  examples: Record<string, BacktestExample[]>;
  sharp: Record<SharpCase, { count: number; examples: BacktestExample[] }>;
  /** Recorded escalations by human outcome. */
  outcomes: Partial<Record<HumanOutcome, number>>;
  /** Recorded calls by the policy version that decided them. */
  policyVersions: Record<string, number>;
  skipped: {
    /** Refused before any policy saw them (invalid calls). */
    invalid: number;
    /** Not readable (decryption failure, unexpected shape); `firstReason` says why. */
    unreadable: number;
    firstReason?: string;
    /** Decided without the llm-judge/remote rules that apply to them (no `--with-network`). */
    withoutNetworkRules: number;
    networkRules: string[];
  };
}

const MAX_DISTINCT = 200;
const ORDER: GuardAction[] = ['allow', 'modify', 'escalate', 'block'];
const STRENGTH: Record<GuardAction, number> = { allow: 0, modify: 1, escalate: 2, block: 3 };

function bump(map: Record<string, number>, key: string): void {
  if (key in map || Object.keys(map).length < MAX_DISTINCT) map[key] = (map[key] ?? 0) + 1;
  else map['(other)'] = (map['(other)'] ?? 0) + 1;
}

/** Accumulates decisions into a {@link BacktestSummary}. */
export class BacktestTally {
  private readonly summary: BacktestSummary;

  /**
   * @param examplesPer - examples kept per transition and per sharp case
   * @param networkRules - the candidate's rules that do not run in this backtest
   */
  constructor(
    candidateVersion: string,
    query: string,
    private readonly examplesPer = 3,
    networkRules: ReadonlySet<string> = new Set(),
  ) {
    this.summary = {
      candidateVersion,
      query,
      decided: 0,
      unchanged: 0,
      changed: 0,
      matrix: {},
      rulesByTransition: {},
      examples: {},
      sharp: {
        'approved-would-block': { count: 0, examples: [] },
        'allowed-would-escalate': { count: 0, examples: [] },
      },
      outcomes: {},
      policyVersions: {},
      skipped: { invalid: 0, unreadable: 0, withoutNetworkRules: 0, networkRules: [...networkRules].sort() },
    };
  }

  /** A call that was not decided again. */
  skip(call: UnreadCall): void {
    const { skipped } = this.summary;
    skipped[call.skipped]++;
    if (call.skipped === 'unreadable') skipped.firstReason ??= `${call.workflowId}: ${call.reason}`;
  }

  /**
   * One recorded call and the candidate's decision for it.
   * @param usedNetworkRules - whether network rules that were skipped apply to the call's tool
   */
  add(recorded: RecordedCall, decision: PolicyDecision, usedNetworkRules = false): void {
    const s = this.summary;
    const from = recorded.action;
    const to = decision.action;
    s.decided++;
    if (usedNetworkRules) s.skipped.withoutNetworkRules++;
    const row = (s.matrix[from] ??= {});
    row[to] = (row[to] ?? 0) + 1;
    if (recorded.outcome) s.outcomes[recorded.outcome] = (s.outcomes[recorded.outcome] ?? 0) + 1;
    bump(s.policyVersions, recorded.policyVersion ?? '(unknown)');
    if (from === to) {
      s.unchanged++;
      return;
    }
    s.changed++;
    const key = `${from}->${to}`;
    const rules = responsibleRules(recorded, decision);
    const byRule = (s.rulesByTransition[key] ??= {});
    for (const rule of rules.length > 0 ? rules : ['(default action)']) bump(byRule, rule);
    const example: BacktestExample = {
      workflowId: recorded.workflowId,
      runId: recorded.runId,
      tool: recorded.call.tool,
      from,
      to,
      ...(recorded.outcome ? { outcome: recorded.outcome } : {}),
      rules,
      ...(decision.reason ? { reason: decision.reason } : {}),
    };
    const examples = (s.examples[key] ??= []);
    if (examples.length < this.examplesPer) examples.push(example);
    const sharp = sharpCaseOf(recorded, to);
    if (sharp) {
      const entry = s.sharp[sharp];
      entry.count++;
      if (entry.examples.length < this.examplesPer) entry.examples.push(example);
    }
  }

  /** The summary so far, transitions in a stable order. */
  result(): BacktestSummary {
    const s = this.summary;
    const matrix: BacktestSummary['matrix'] = {};
    for (const from of ORDER) {
      const row = s.matrix[from];
      if (!row) continue;
      matrix[from] = Object.fromEntries(ORDER.filter((to) => row[to] !== undefined).map((to) => [to, row[to]]));
    }
    return { ...s, matrix };
  }
}

/** The sharp case a change is, if any. */
export function sharpCaseOf(recorded: RecordedCall, to: GuardAction): SharpCase | undefined {
  if (recorded.action === 'escalate' && recorded.outcome === 'approved' && to === 'block') {
    return 'approved-would-block';
  }
  if ((recorded.action === 'allow' || recorded.action === 'modify') && to === 'escalate') {
    return 'allowed-would-escalate';
  }
  return undefined;
}

/**
 * The rules behind a change: for a stricter action, the candidate's enforced rules with that action; for a looser
 * one, the recorded rules no longer among the candidate's hits.
 */
export function responsibleRules(recorded: RecordedCall, decision: PolicyDecision): string[] {
  if (STRENGTH[decision.action] > STRENGTH[recorded.action]) {
    return [
      ...new Set(
        decision.rulesTriggered.filter((h) => h.mode === 'enforce' && h.action === decision.action).map((h) => h.id),
      ),
    ];
  }
  const now = new Set(decision.rulesTriggered.map((h) => h.id));
  return [...new Set(recorded.rules.filter((id) => !now.has(id)))];
}
