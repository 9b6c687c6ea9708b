/** The inbox's read-only Policies page: the shell, and the server-rendered overview fragment, every value escaped. */
import type { SavedBacktest } from '../backtest/saved-backtest';
import type { ShadowSummary } from '../shadow/shadow-summary';
import { LIVE_ACTIONS, SHADOW_ACTIONS } from '../shadow/shadow-summary';
import { escapeHtml, page } from './html';
import type { PoliciesOverview, PolicyRuleRow } from './policies-overview';

/** The page shell; the overview comes from `GET /inbox/policies/overview` once a token is entered. */
export function policiesPage(): string {
  return page(
    'durable-guard policies',
    `
<header><h1>Policies</h1><nav aria-label="Pages"><a href="/inbox">Pending approvals</a></nav></header>
<form id="token-form" autocomplete="off">
  <label>Approver token <input id="token" type="password" name="token" required></label>
  <button type="submit">Use token</button>
  <button type="button" id="forget-token">Forget token</button>
  <button type="button" id="refresh">Refresh</button>
  <span id="who" role="status"></span>
</form>
<p id="message" role="alert"></p>
<main id="policies" aria-live="polite"></main>`,
    { script: '/inbox-policies.js' },
  );
}

/** A table in a region that takes keyboard focus, so a wide one scrolls without a mouse. */
function table(id: string, caption: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-scroll" role="region" tabindex="0" aria-labelledby="${id}">
<table><caption id="${id}">${escapeHtml(caption)}</caption>
<thead><tr>${th}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

function hitsCell(rule: PolicyRuleRow, window: 'day' | 'week'): string {
  return rule.hits ? String(rule.hits[window]) : 'not counted';
}

function filesSection(o: PoliciesOverview): string {
  const version = o.version
    ? `<p>Version <code class="policy-version">${escapeHtml(o.version)}</code> (recorded with every decision as <code>policyVersion</code>).</p>`
    : '';
  const error = o.policyError ? `<p class="error" role="alert">${escapeHtml(o.policyError)}</p>` : '';
  const files =
    o.files.length === 0
      ? ''
      : table(
          'files-caption',
          'Files, in load order',
          ['file', 'policy', 'sha256', 'rules'],
          o.files.map((f) => [
            `<code>${escapeHtml(f.path)}</code>`,
            escapeHtml(f.name),
            `<code>${escapeHtml(f.hash)}</code>`,
            String(f.rules),
          ]),
        );
  return `<section aria-labelledby="files-title" id="files">
<h2 id="files-title">Policy files in force</h2>
${version}${error}${files}
</section>`;
}

function rulesSection(o: PoliciesOverview): string {
  const rows = o.rules.map((r) => [
    `<code class="rule-id">${escapeHtml(r.id)}</code>`,
    escapeHtml(r.policy),
    escapeHtml(r.type),
    escapeHtml(r.action),
    escapeHtml(r.mode),
    r.tools.map((t) => `<code>${escapeHtml(t)}</code>`).join(', '),
    `<span class="hits-day">${hitsCell(r, 'day')}</span>`,
    `<span class="hits-week">${hitsCell(r, 'week')}</span>`,
  ]);
  const uncounted = o.uncountedRules
    ? `<p class="note">${o.uncountedRules} rules beyond the first ${o.rules.length - o.uncountedRules} are not counted.</p>`
    : '';
  return `<section aria-labelledby="rules-title" id="rules">
<h2 id="rules-title">Rules and their hits</h2>
<p class="note">Calls whose decision names the rule (<code>GuardRules</code>, audit-mode hits included), counted at
<time datetime="${escapeHtml(o.countedAt)}">${escapeHtml(o.countedAt)}</time>.</p>
${o.rules.length ? table('rules-caption', 'Rules', ['rule', 'policy', 'type', 'action', 'mode', 'tools', 'last 24 h', 'last 7 days'], rows) : '<p class="empty">No rule.</p>'}
${uncounted}
</section>`;
}

/** A matrix of counts with its row and column labels; zero cells shown as 0. */
function matrixTable(
  id: string,
  caption: string,
  corner: string,
  rows: readonly string[],
  columns: readonly string[],
  matrix: Partial<Record<string, Partial<Record<string, number>>>>,
): string {
  const present = rows.filter((row) => matrix[row]);
  return table(
    id,
    caption,
    [corner, ...columns],
    present.map((row) => [
      `<strong>${escapeHtml(row)}</strong>`,
      ...columns.map((c) => `<span data-cell="${escapeHtml(`${row}->${c}`)}">${matrix[row]?.[c] ?? 0}</span>`),
    ]),
  );
}

function shadowSection(s: ShadowSummary): string {
  const body =
    s.total === 0
      ? '<p class="empty">No shadow decision recorded in the last 7 days (workers run shadow policies with DURABLE_GUARD_SHADOW_POLICY).</p>'
      : `<p class="shadow-totals">${s.total} calls with a shadow decision: ${s.agreed} agreed, <strong>${s.disagreed} disagreed</strong>.</p>
${matrixTable('shadow-caption', 'Live action (rows) against shadow action (columns)', 'live \\ shadow', LIVE_ACTIONS, SHADOW_ACTIONS, s.matrix)}`;
  return `<section aria-labelledby="shadow-title" id="shadow">
<h2 id="shadow-title">Shadow disagreement, last 7 days</h2>
${body}
</section>`;
}

function backtestSection(saved: SavedBacktest | undefined, error: string | undefined): string {
  const head = '<h2 id="backtest-title">Last backtest</h2>';
  if (error)
    return `<section aria-labelledby="backtest-title" id="backtest">${head}<p class="error">${escapeHtml(error)}</p></section>`;
  if (!saved) {
    return `<section aria-labelledby="backtest-title" id="backtest">${head}
<p class="empty">No backtest saved yet: run <code>durable-guard policy backtest CANDIDATE.yaml --save</code>.</p></section>`;
  }
  const s = saved.summary;
  const sharp = Object.entries(s.sharp)
    .map(
      ([name, entry]) =>
        `<dt>${escapeHtml(name)}</dt><dd class="sharp-${escapeHtml(name)}">${Number(entry.count)}</dd>`,
    )
    .join('');
  const failed = saved.failedThresholds.length
    ? `<dt>Failed thresholds</dt><dd class="failed">${saved.failedThresholds.map(escapeHtml).join(', ')}</dd>`
    : '';
  return `<section aria-labelledby="backtest-title" id="backtest">${head}
<dl>
  <dt>Saved</dt><dd><time datetime="${escapeHtml(saved.savedAt)}">${escapeHtml(saved.savedAt)}</time></dd>
  <dt>Candidate</dt><dd class="candidate">${saved.candidateFiles.map((f) => `<code>${escapeHtml(f)}</code>`).join(', ')} (version <code>${escapeHtml(s.candidateVersion)}</code>)</dd>
  <dt>Query</dt><dd><code>${escapeHtml(s.query)}</code></dd>
  <dt>Decided again</dt><dd class="decided">${Number(s.decided)} calls: ${Number(s.changed)} changed, ${Number(s.unchanged)} unchanged</dd>
  ${sharp}${failed}
  <dt>Skipped</dt><dd>${Number(s.skipped.invalid)} invalid, ${Number(s.skipped.unreadable)} unreadable</dd>
</dl>
${matrixTable('backtest-caption', 'Recorded action (rows) against candidate action (columns)', 'recorded \\ candidate', LIVE_ACTIONS, LIVE_ACTIONS, s.matrix)}
</section>`;
}

/** The overview fragment: files and version, rules with hits, shadow disagreement, last backtest. */
export function policiesOverviewHtml(o: PoliciesOverview): string {
  return [
    filesSection(o),
    rulesSection(o),
    shadowSection(o.shadow),
    backtestSection(o.lastBacktest, o.lastBacktestError),
  ].join('\n');
}
