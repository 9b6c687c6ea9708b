/** The approvals inbox: a server-rendered page and row fragments, plus a little vanilla JS (no build step). */
import type { QuorumProgress } from '../workflows/definitions';
import type { EscalationDetail, EscalationSummary } from './escalations';
import type { WebUiLinks } from '../backtest/report';
import { escapeHtml, jsonBlock, page, ruleList } from './html';
import { webUiAnchor } from './inbox-groups';

/** The page shell; groups and rows come from `GET /inbox/groups` and `/inbox/escalations` once a token is entered. */
export function inboxPage(): string {
  return page(
    'durable-guard approvals',
    `
<header><h1>Pending approvals</h1><nav aria-label="Pages"><a href="/inbox/policies">Policies</a></nav></header>
<form id="token-form" autocomplete="off">
  <label>Approver token <input id="token" type="password" name="token" required></label>
  <button type="submit">Use token</button>
  <button type="button" id="forget-token">Forget token</button>
  <span id="who" role="status"></span>
</form>
<p id="message" role="alert"></p>
${selectionPanel()}
<section id="groups-view" aria-labelledby="groups-title">
  <h2 id="groups-title">Groups: batch, then tool and rule</h2>
  <div id="groups" aria-live="polite"></div>
</section>
<section aria-labelledby="escalations-title">
  <h2 id="escalations-title">Escalations</h2>
  <form id="filter-form">
    <label>Tool <input id="filter-tool" name="tool" pattern="[A-Za-z0-9._:/@-]+"></label>
    <button type="submit">Filter</button>
    <button type="button" id="refresh">Refresh</button>
  </form>
  <main id="escalations" aria-live="polite"></main>
</section>
<section id="outbox" aria-live="polite"></section>
${confirmDialog()}`,
    { script: ['/inbox.js', '/inbox-groups.js'] },
  );
}

/** The selection (a group, or a filter) and the bulk approve/deny of it, with its progress. */
function selectionPanel(): string {
  const name = 'pattern="[A-Za-z0-9._:/@-]+" maxlength="200" size="14"';
  return `<section id="selection-panel" aria-labelledby="selection-title">
  <h2 id="selection-title">Selection</h2>
  <form id="bulk-filter" autocomplete="off">
    <label>Batch <input id="bulk-batch" ${name}></label>
    <label>Tool <input id="bulk-tool" ${name}></label>
    <label>Rule <input id="bulk-rule" ${name}></label>
    <label>Older than <input id="bulk-older" pattern="[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)" maxlength="32" size="5" placeholder="2h"></label>
    <label>Where (CEL) <input id="bulk-where" maxlength="2000" size="22" placeholder="input.amount &lt;= 5000"></label>
    <button type="submit">Select matching</button>
  </form>
  <p id="selection-text" role="status">Nothing selected: select all in a group below, or by a filter.</p>
  <div class="actions">
    <label>Reason <input id="bulk-reason" maxlength="2000" size="30"></label>
    <button type="button" id="approve-selection" class="approve" disabled>Approve selection</button>
    <button type="button" id="deny-selection" class="deny" disabled>Deny selection</button>
    <button type="button" id="clear-selection" disabled>Clear selection</button>
  </div>
  <div id="bulk-progress" role="status" aria-live="polite"></div>
</section>`;
}

/** The confirmation of a bulk decision: states the count (from a dry run) before anything is decided. */
function confirmDialog(): string {
  return `<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <h2 id="confirm-title">Confirm</h2>
  <p id="confirm-text"></p>
  <div class="actions">
    <button type="button" id="confirm-yes">Confirm</button>
    <button type="button" id="confirm-no">Cancel</button>
  </div>
</dialog>`;
}

/** The ladder's next step and when, and how far the window may be extended, as definition-list rows. */
function ladderRows(row: EscalationSummary): string {
  const next = row.ladder?.next;
  if (!next) return '';
  const until = row.ladder?.extendableUntil;
  return (
    `    <dt>Next step</dt><dd class="next-step">${escapeHtml(next.summary)}, at ` +
    `<time datetime="${escapeHtml(next.at)}">${escapeHtml(next.at)}</time></dd>\n` +
    (until ? `    <dt>Extendable until</dt><dd class="extendable-until">${escapeHtml(until)}</dd>\n` : '')
  );
}

/** For a rule with a maxWindow: extend the window by a duration (POST /v1/escalations/:id/extend). */
function extendForm(row: EscalationSummary): string {
  if (!row.ladder?.extendableUntil) return '';
  return `<div class="extend">
    <label>Extend the window by <input class="extend-for" placeholder="24h" maxlength="32" size="6"></label>
    <button type="button" data-extend>Extend</button>
  </div>`;
}

/** One escalation as an inbox card; every value escaped. `input` is shown editable when known. */
export function escalationCard(row: EscalationSummary, input?: Record<string, unknown>, webUi?: WebUiLinks): string {
  const groups = row.approverGroups.length ? row.approverGroups.map(escapeHtml).join(', ') : 'any approver';
  return `<article class="escalation" data-id="${escapeHtml(row.id)}">
  <h2><code>${escapeHtml(row.tool)}</code> <small>${webUiAnchor(webUi, row.id, row.runId)}</small></h2>
  <dl>
    <dt>Reason</dt><dd class="reason">${escapeHtml(row.reason ?? '-')}</dd>
    <dt>Rules</dt><dd class="rules">${ruleList(row.rules)}</dd>
    <dt>Approvers</dt><dd>${groups}</dd>${row.approvals ? `\n    <dt>Approvals</dt><dd class="approvals">${quorumLine(row.approvals)}</dd>` : ''}
    <dt>Started</dt><dd><time datetime="${escapeHtml(row.startedAt)}">${escapeHtml(row.startedAt)}</time></dd>
    <dt>Expires</dt><dd><time datetime="${escapeHtml(row.expiresAt ?? '')}">${escapeHtml(row.expiresAt ?? '-')}</time></dd>
${ladderRows(row)}  </dl>
  <label>Input (edit to approve with changes)
    <textarea class="input-editor" rows="6" spellcheck="false">${escapeHtml(JSON.stringify(input ?? {}, null, 2))}</textarea>
  </label>
  <label>Reason for your decision <input class="decision-reason" maxlength="2000"></label>
  <div class="actions">
    <button type="button" data-action="approve">Approve</button>
    <button type="button" data-action="deny">Deny</button>
  </div>
${extendForm(row)}
  <p class="outcome" role="status"></p>
</article>`;
}

/** A quorum's votes in one escaped line: `1 of 2 (alice); still needed: 1, from legal`. */
export function quorumLine(q: QuorumProgress): string {
  const names = q.approvals.length ? ` (${q.approvals.map((v) => escapeHtml(v.by)).join(', ')})` : '';
  const groups = q.missingGroups.length ? `, from ${q.missingGroups.map(escapeHtml).join(', ')}` : '';
  const denials = q.denials.length
    ? `; denied by ${q.denials.map((v) => escapeHtml(v.by)).join(', ')} (${q.denials.length} of ${q.denyCount})`
    : '';
  return `${q.approvals.length} of ${q.required}${names}; still needed: ${q.remaining}${groups}${denials}`;
}

/** The list fragment: cards, or a note that nothing waits. */
export function escalationCards(
  rows: { row: EscalationSummary; input?: Record<string, unknown> }[],
  next?: string,
  webUi?: WebUiLinks,
) {
  if (rows.length === 0) return '<p class="empty">Nothing is waiting for approval.</p>';
  const more = next ? `<p class="more">More escalations wait; narrow the filter or decide these first.</p>` : '';
  return rows.map(({ row, input }) => escalationCard(row, input, webUi)).join('\n') + more;
}

/** A page for one escalation in a one-click link: what it is and a confirm button that POSTs. */
export function linkConfirmPage(
  detail: EscalationDetail,
  link: { decision: 'approve' | 'deny'; approver: string; expiresAt: number },
): string {
  const verb = link.decision === 'approve' ? 'Approve' : 'Deny';
  const pending = detail.status === 'pending-approval';
  const form = pending
    ? `<form method="post">
  <label>Reason (optional) <input name="reason" maxlength="2000"></label>
  <button type="submit" class="${link.decision}">${verb} as ${escapeHtml(link.approver)}</button>
</form>`
    : `<p class="closed">This escalation is no longer waiting: it is ${escapeHtml(detail.status)}.</p>`;
  return page(
    `${verb} ${detail.tool}?`,
    `<main class="link">
<h1>${verb} <code>${escapeHtml(detail.tool)}</code>?</h1>
<dl>
  <dt>Escalation</dt><dd>${escapeHtml(detail.id)}</dd>
  <dt>Reason</dt><dd>${escapeHtml(detail.reason ?? '-')}</dd>
  <dt>Rules</dt><dd>${ruleList(detail.rules)}</dd>
  <dt>Window ends</dt><dd>${escapeHtml(detail.expiresAt ?? '-')}</dd>
  <dt>Link valid until</dt><dd>${escapeHtml(new Date(link.expiresAt).toISOString())}</dd>
</dl>
<h2>Input</h2>
${jsonBlock(detail.input)}
${form}
</main>`,
  );
}

/** The answer page of a link: decided, or why not. */
export function linkOutcomePage(title: string, message: string): string {
  return page(title, `<main class="link"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`);
}
