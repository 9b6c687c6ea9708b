/**
 * The inbox's script for batches: the grouped queue, a selection (a group or a filter), bulk approve and deny
 * through `POST /v1/escalations/decisions` after a confirmation that states the count, and grants from a group
 * through `POST /v1/grants`. Plain ES2017 served from this origin, like inbox.js; no build step.
 */

import { INBOX_COMMON_JS } from './inbox-common-script';

export const INBOX_GROUPS_JS = `(function () {
  'use strict';
${INBOX_COMMON_JS}
  var groups = document.getElementById('groups');
  var selectionText = document.getElementById('selection-text');
  var progress = document.getElementById('bulk-progress');
  var dialog = document.getElementById('confirm');
  var approveButton = document.getElementById('approve-selection');
  var denyButton = document.getElementById('deny-selection');
  var clearButton = document.getElementById('clear-selection');
  var selection = null;
  var sleep = function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); };
  var report = function (e) { document.getElementById('message').textContent = String(e); };

  function describe(filter) {
    var parts = [];
    if (filter.batch) parts.push('batch ' + filter.batch);
    if (filter.tool) parts.push('tool ' + filter.tool);
    if (filter.rule) parts.push('rule ' + filter.rule);
    if (filter.olderThan) parts.push('older than ' + filter.olderThan);
    if (filter.where) parts.push('where ' + filter.where);
    return parts.join(', ');
  }

  function filterOf(group) {
    var filter = { tool: group.dataset.tool };
    if (group.dataset.batch) filter.batch = group.dataset.batch;
    if (group.dataset.rule) filter.rule = group.dataset.rule;
    return filter;
  }

  function showSelection() {
    var chosen = selection !== null;
    approveButton.disabled = !chosen;
    denyButton.disabled = !chosen;
    clearButton.disabled = !chosen;
    groups.querySelectorAll('button[data-select]').forEach(function (b) {
      var group = b.closest('.group');
      b.setAttribute('aria-pressed', String(chosen && selection.group === groupKey(group)));
      group.classList.toggle('selected', chosen && selection.group === groupKey(group));
    });
    selectionText.textContent = chosen
      ? 'Selected: ' + selection.label
      : 'Nothing selected: select all in a group below, or by a filter.';
  }

  function groupKey(group) {
    return JSON.stringify([group.dataset.batch || null, group.dataset.tool, group.dataset.rule || null]);
  }

  var loading = 0;
  // data-loading counts the group loads in flight (0 once the view is current): tests wait on it.
  async function loadGroups() {
    groups.dataset.loading = String(++loading);
    try {
      await renderGroups();
    } finally {
      groups.dataset.loading = String(--loading);
    }
  }

  async function renderGroups() {
    if (!token()) {
      groups.textContent = '';
      return;
    }
    var query = new URLSearchParams();
    ['batch', 'tool', 'rule'].forEach(function (name) {
      var value = document.getElementById('bulk-' + name).value.trim();
      if (value) query.set(name, value);
    });
    var res = await fetch('/inbox/groups?' + query.toString(), { headers: headers(false) });
    if (!res.ok) {
      groups.textContent = await errorText(res);
      return;
    }
    // The fragment is rendered by the server with every value HTML-escaped.
    groups.innerHTML = await res.text();
    showSelection();
  }

  function selectGroup(group) {
    var key = groupKey(group);
    if (selection && selection.group === key) {
      selection = null;
    } else {
      var filter = filterOf(group);
      selection = { group: key, filter: filter, label: 'all ' + group.dataset.count + ' in the group ' + describe(filter) };
    }
    showSelection();
  }

  function selectByFilter() {
    var filter = {};
    [['batch', 'bulk-batch'], ['tool', 'bulk-tool'], ['rule', 'bulk-rule'], ['olderThan', 'bulk-older'], ['where', 'bulk-where']]
      .forEach(function (pair) {
        var value = document.getElementById(pair[1]).value.trim();
        if (value) filter[pair[0]] = value;
      });
    if (!filter.batch && !filter.tool && !filter.rule && !filter.olderThan) {
      selectionText.textContent = 'Give a batch, tool, rule or age to select by (a where condition only narrows them).';
      return;
    }
    selection = { group: null, filter: filter, label: 'every pending escalation with ' + describe(filter) };
    showSelection();
    loadGroups().catch(report);
  }

  async function bulk(decision, dryRun) {
    var reason = document.getElementById('bulk-reason').value.trim();
    var body = { decision: decision, filter: selection.filter };
    if (reason) body.reason = reason;
    if (dryRun) body.dryRun = true;
    return fetch('/v1/escalations/decisions', { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
  }

  /** Resolves true when the approver confirms, false when they cancel or press Escape. */
  function confirmed(text, yes) {
    document.getElementById('confirm-text').textContent = text;
    var yesButton = document.getElementById('confirm-yes');
    yesButton.textContent = yes;
    return new Promise(function (resolve) {
      var done = function (answer) {
        yesButton.removeEventListener('click', onYes);
        document.getElementById('confirm-no').removeEventListener('click', onNo);
        dialog.removeEventListener('close', onClose);
        if (dialog.open) dialog.close();
        resolve(answer);
      };
      var onYes = function () { done(true); };
      var onNo = function () { done(false); };
      var onClose = function () { done(false); };
      yesButton.addEventListener('click', onYes);
      document.getElementById('confirm-no').addEventListener('click', onNo);
      dialog.addEventListener('close', onClose);
      dialog.showModal();
      // Cancel has the focus: Enter on an opened confirmation never decides by accident.
      document.getElementById('confirm-no').focus();
    });
  }

  function progressLine(p, verb) {
    var c = p.counts;
    return verb + ': ' + c.decided + ' decided, ' + c['already-decided'] + ' already decided, ' + c['timed-out'] +
      ' timed out, ' + c['not-allowed'] + ' not allowed, ' + c.failed + ' failed (' + p.seen + ' looked at)';
  }

  async function follow(id, count, verb) {
    var bar = document.createElement('progress');
    bar.max = count;
    bar.value = 0;
    var line = document.createElement('span');
    line.className = 'bulk-line';
    progress.textContent = '';
    progress.dataset.bulkId = id;
    progress.append(bar, ' ', line);
    for (;;) {
      var res = await fetch('/v1/escalations/decisions/' + encodeURIComponent(id), { headers: headers(false) });
      if (!res.ok) {
        line.textContent = await errorText(res);
        return;
      }
      var p = await res.json();
      bar.value = Math.min(p.seen, count);
      if (p.state === 'completed') {
        bar.value = count;
        line.textContent = progressLine(p, verb + ' (done)');
        progress.dataset.state = 'completed';
        return;
      }
      line.textContent = progressLine(p, verb + ' (running: ' + p.seen + ' of ' + count + ')');
      await sleep(1000);
    }
  }

  async function decideSelection(decision, opener) {
    if (!selection) return;
    if (decision === 'deny' && !document.getElementById('bulk-reason').value.trim()) {
      progress.textContent = 'Give a reason to deny: it is shown to every caller denied.';
      return;
    }
    progress.textContent = 'Counting the selection...';
    delete progress.dataset.state;
    var dry = await bulk(decision, true);
    if (!dry.ok) {
      progress.textContent = await errorText(dry);
      return;
    }
    var count = (await dry.json()).count;
    if (count === 0) {
      progress.textContent = 'Nothing pending matches the selection now.';
      return;
    }
    var verb = decision === 'approve' ? 'Approve' : 'Deny';
    var noun = count === 1 ? ' escalation' : ' escalations';
    progress.textContent = '';
    var yes = await confirmed(verb + ' ' + count + noun + ' (' + selection.label + ')? Each is decided as you, once.',
      verb + ' ' + count);
    opener.focus();
    if (!yes) {
      progress.textContent = 'Cancelled: nothing was decided.';
      return;
    }
    var res = await bulk(decision, false);
    if (res.status !== 202) {
      progress.textContent = await errorText(res);
      return;
    }
    var started = await res.json();
    await follow(started.id, count, decision === 'approve' ? 'Approved' : 'Denied');
    await loadGroups();
  }

  function durationMs(text) {
    var m = /^([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text);
    if (!m) return undefined;
    return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 }[m[2]];
  }

  async function grant(group) {
    var outcome = group.querySelector('.outcome');
    var expiresIn = group.querySelector('.grant-for').value.trim();
    var reason = group.querySelector('.grant-reason').value.trim();
    var where = group.querySelector('.grant-where').value.trim();
    var ms = durationMs(expiresIn);
    var max = Number(group.dataset.maxGrantMs);
    if (ms === undefined || !(ms > 0)) {
      outcome.textContent = 'Give how long the grant lives, e.g. 8h.';
      return;
    }
    if (ms > max) {
      outcome.textContent = 'This grant is too long: ' + group.querySelector('.grant-max').textContent + '.';
      return;
    }
    if (!reason) {
      outcome.textContent = 'Give a reason: it is written into each decision the grant makes.';
      return;
    }
    var scope = {};
    if (group.dataset.rule) scope.rule = group.dataset.rule;
    var onlyBatch = group.querySelector('.grant-batch');
    if (onlyBatch && onlyBatch.checked) scope.batch = group.dataset.batch;
    if (where) scope.where = where;
    outcome.textContent = 'Creating the grant...';
    var res = await fetch('/v1/grants', {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify({ fromEscalation: group.dataset.sample, scope: scope, expiresIn: expiresIn, reason: reason }),
    });
    if (res.status !== 201) {
      outcome.textContent = await errorText(res);
      return;
    }
    var view = await res.json();
    group.dataset.grantId = view.id;
    var head = 'Grant ' + view.id + ' is live until ' + view.expiresAt + '. ';
    outcome.textContent = head + 'It is deciding the matching escalations...';
    var count = Number(group.dataset.count);
    for (var i = 0; i < 120; i++) {
      await sleep(1000);
      var poll = await fetch('/v1/grants/' + encodeURIComponent(view.id), { headers: headers(false) });
      if (!poll.ok) break;
      var now = await poll.json();
      var swept = now.swept.decided + now.swept['already-decided'];
      outcome.textContent = head + now.swept.decided + ' of ' + count + ' decided by the grant so far.';
      if (swept >= count) break;
    }
  }

  groups.addEventListener('click', function (event) {
    var group = event.target.closest('.group');
    if (!group) return;
    if (event.target.closest('button[data-select]')) selectGroup(group);
    if (event.target.closest('button[data-grant]')) grant(group).catch(report);
    if (event.target.closest('button[data-show]')) {
      document.getElementById('filter-tool').value = group.dataset.tool;
      document.getElementById('refresh').click();
      document.getElementById('escalations-title').scrollIntoView();
    }
  });
  approveButton.addEventListener('click', function () { decideSelection('approve', approveButton).catch(report); });
  denyButton.addEventListener('click', function () { decideSelection('deny', denyButton).catch(report); });
  clearButton.addEventListener('click', function () {
    selection = null;
    showSelection();
  });
  document.getElementById('bulk-filter').addEventListener('submit', function (event) {
    event.preventDefault();
    selectByFilter();
  });
  // inbox.js stores or forgets the token first (its listeners were added before these).
  document.getElementById('token-form').addEventListener('submit', function () { loadGroups().catch(report); });
  document.getElementById('forget-token').addEventListener('click', function () { loadGroups().catch(report); });
  document.getElementById('refresh').addEventListener('click', function () { loadGroups().catch(report); });
  loadGroups().catch(report);
})();
`;
