/** The inbox's grouped queue: one server-rendered card per group (batch, then tool and rule), every value escaped. */
import { webUiLink, type WebUiLinks } from '../backtest/report';
import type { BatchProgress } from '../workflows/definitions';
import { formatDuration } from '../workflows/call-validation';
import type { EscalationGroup, GroupsPage } from './escalation-groups';
import { escapeHtml } from './html';

/** What a group card shows beside the group itself. */
export interface GroupCardContext {
  /** Progress of each batch that has a `guardBatch` workflow, by batch ID. */
  batches: Map<string, BatchProgress>;
  /** Where the Temporal Web UI is; no links without it. */
  webUi?: WebUiLinks;
  now: Date;
}

/** The one rule a bulk decision or grant of the group filters on: the first of several, none for `(none)`. */
export function filterRule(rule: string | undefined): string | undefined {
  if (rule === undefined || rule === '(none)') return undefined;
  return rule.split('+')[0];
}

/** A link to one workflow run in the Web UI, or the bare ID when the UI is not configured. */
export function webUiAnchor(links: WebUiLinks | undefined, id: string, runId: string | undefined): string {
  if (!links || !runId) return `<code>${escapeHtml(id)}</code>`;
  const href = webUiLink(links, id, runId);
  return `<a class="web-ui" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(id)}</a>`;
}

function timeLeft(expiresAt: string | undefined, now: Date): string {
  if (expiresAt === undefined) return '-';
  const left = Date.parse(expiresAt) - now.getTime();
  const text = left > 0 ? `${formatDuration(Math.round(left / 1000) * 1000)} left` : 'expiring now';
  return `<time datetime="${escapeHtml(expiresAt)}" title="${escapeHtml(expiresAt)}">${escapeHtml(text)}</time>`;
}

function batchProgress(progress: BatchProgress | undefined): string {
  if (!progress) return '<dd class="batch-progress">no batch workflow (escalations started one by one)</dd>';
  const total = progress.total ?? progress.done + progress.running + progress.pendingEscalations;
  return (
    `<dd class="batch-progress"><progress max="${total}" value="${progress.done}"></progress> ` +
    `${progress.done} of ${total} items done, ${progress.pendingEscalations} waiting for approval ` +
    `(${escapeHtml(progress.state)})</dd>`
  );
}

function grantForm(group: EscalationGroup, rule: string): string {
  const max = formatDuration(group.maxGrantMs ?? 86_400_000);
  const batch = group.key.batch;
  const onlyBatch = batch
    ? `<label><input type="checkbox" class="grant-batch" checked> only batch ${escapeHtml(batch)}</label>`
    : '';
  return `<details class="grant">
    <summary>Grant: approve all like this for a while</summary>
    <p>Scope: tool <code>${escapeHtml(group.key.tool ?? group.sample.tool)}</code>, rule <code>${escapeHtml(rule)}</code>.</p>
    <label>For <input class="grant-for" value="${escapeHtml(max)}" maxlength="32" size="8"></label>
    <span class="grant-max">at most ${escapeHtml(max)} (the rule's maxGrant)</span>
    ${onlyBatch}
    <label>Only where (CEL, optional) <input class="grant-where" maxlength="2000" placeholder="input.amount &lt;= 500"></label>
    <label>Reason <input class="grant-reason" maxlength="2000"></label>
    <button type="button" data-grant>Create grant</button>
  </details>`;
}

/** One group as a card; its data attributes are the bulk filter and grant scope the script sends. */
export function groupCard(group: EscalationGroup, index: number, context: GroupCardContext): string {
  const { key } = group;
  const tool = key.tool ?? group.sample.tool;
  const rule = filterRule(key.rule);
  const approvers = group.approverGroups.length ? group.approverGroups.map(escapeHtml).join(', ') : 'any approver';
  const title = `g-${index}`;
  const data = [
    `data-tool="${escapeHtml(tool)}"`,
    key.batch !== undefined ? `data-batch="${escapeHtml(key.batch)}"` : '',
    rule !== undefined ? `data-rule="${escapeHtml(rule)}"` : '',
    `data-count="${group.count}"`,
    `data-sample="${escapeHtml(group.sample.id)}"`,
    `data-max-grant-ms="${group.maxGrantMs ?? 86_400_000}"`,
  ]
    .filter(Boolean)
    .join(' ');
  return `<article class="group" ${data} aria-labelledby="${title}">
  <h3 id="${title}"><span class="batch">${key.batch !== undefined ? `batch ${escapeHtml(key.batch)}` : 'no batch'}</span>
    · <code>${escapeHtml(tool)}</code> · <span class="rule">${escapeHtml(key.rule ?? '-')}</span>
    <span class="count">${group.count} pending</span></h3>
  <dl>
    <dt>Time left</dt><dd class="time-left">${timeLeft(group.earliestExpiresAt, context.now)}</dd>
    ${key.batch !== undefined ? `<dt>Batch</dt>${batchProgress(context.batches.get(key.batch))}` : ''}
    <dt>Approvers</dt><dd>${approvers}</dd>
    <dt>Oldest</dt><dd class="oldest">${webUiAnchor(context.webUi, group.sample.id, group.sample.runId)}, started ${escapeHtml(group.oldestStartedAt)}</dd>
  </dl>
  <div class="actions">
    <button type="button" data-select aria-pressed="false">Select all ${group.count}</button>
    <button type="button" data-show>Show escalations</button>
  </div>
  ${rule !== undefined ? grantForm(group, rule) : ''}
  <p class="outcome" role="status"></p>
</article>`;
}

/** The groups fragment: a summary line, the cards, and a note when more groups or escalations wait. */
export function groupCards(page: GroupsPage, context: GroupCardContext): string {
  if (page.groups.length === 0) return '<p class="empty">No group is waiting for approval.</p>';
  const summary = `<p class="groups-summary">${page.total} pending escalation${page.total === 1 ? '' : 's'}${
    page.truncated ? ' or more' : ''
  } in the groups below, largest first.</p>`;
  const more = page.nextPageToken ? '<p class="more">More groups wait: narrow them with the filter below.</p>' : '';
  return summary + page.groups.map((group, i) => groupCard(group, i, context)).join('\n') + more;
}
