/** The text report of a backtest, for people (scripts use `--json`). */
import { formatTable } from '../cli/table';
import type { GuardAction } from '../policy';
import type { BacktestExample, BacktestSummary } from './tally';

const ACTIONS: GuardAction[] = ['allow', 'modify', 'escalate', 'block'];

/** Where the Web UI shows a workflow run. */
export interface WebUiLinks {
  /** e.g. `http://localhost:8233` */
  baseUrl: string;
  namespace: string;
}

/** The Web UI link of one run. */
export function webUiLink(links: WebUiLinks, workflowId: string, runId: string): string {
  const base = links.baseUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

function matrixTable(matrix: Partial<Record<GuardAction, Partial<Record<GuardAction, number>>>>): string {
  const rows = ACTIONS.filter((from) => matrix[from]).map((from) => [
    from,
    ...ACTIONS.map((to) => String(matrix[from]?.[to] ?? 0)),
  ]);
  return formatTable(['recorded \\ candidate', ...ACTIONS], rows);
}

function exampleLine(example: BacktestExample, links: WebUiLinks): string {
  const outcome = example.outcome ? ` (${example.outcome})` : '';
  const rules = example.rules.length > 0 ? ` [${example.rules.join(', ')}]` : '';
  return `    ${example.workflowId} ${example.tool}${outcome}${rules} ${webUiLink(links, example.workflowId, example.runId)}`;
}

/** The backtest report: matrix, changes with their rules and examples, sharp cases, what was skipped. */
export function formatBacktest(summary: BacktestSummary, links: WebUiLinks): string {
  const lines = [
    `candidate version ${summary.candidateVersion}: ${summary.decided} recorded calls decided again`,
    `query: ${summary.query}`,
    '',
    matrixTable(summary.matrix),
    '',
    `changed: ${summary.changed}, unchanged: ${summary.unchanged}`,
  ];
  for (const [transition, byRule] of Object.entries(summary.rulesByTransition)) {
    const [from, to] = transition.split('->') as [GuardAction, GuardAction];
    const calls = summary.matrix[from]?.[to] ?? 0;
    const rules = Object.entries(byRule)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, n]) => `${rule} (${n})`)
      .join(', ');
    lines.push(`  ${transition}: ${calls} calls; rules: ${rules}`);
    for (const example of summary.examples[transition] ?? []) lines.push(exampleLine(example, links));
  }
  lines.push('', 'sharp cases:');
  for (const [name, entry] of Object.entries(summary.sharp)) {
    lines.push(`  ${name}: ${entry.count}`);
    for (const example of entry.examples) lines.push(exampleLine(example, links));
  }
  const outcomes = Object.entries(summary.outcomes).map(([o, n]) => `${o} ${n}`);
  if (outcomes.length > 0) lines.push('', `recorded escalations: ${outcomes.join(', ')}`);
  const versions = Object.entries(summary.policyVersions).map(([v, n]) => `${v} (${n})`);
  if (versions.length > 0) lines.push(`recorded policy versions: ${versions.join(', ')}`);
  const { skipped } = summary;
  lines.push(`skipped: ${skipped.invalid} invalid calls, ${skipped.unreadable} unreadable`);
  if (skipped.firstReason) lines.push(`  first unreadable: ${skipped.firstReason}`);
  if (skipped.networkRules.length > 0) {
    lines.push(
      `network rules not run (pass --with-network to run them): ${skipped.networkRules.join(', ')}; ` +
        `${skipped.withoutNetworkRules} calls decided without them`,
    );
  }
  return `${lines.join('\n')}\n`;
}
