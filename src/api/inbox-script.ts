/**
 * The inbox's script for escalation cards (token, listing, approve, deny, extend), served from this origin so the
 * Content-Security-Policy can forbid inline code. Plain ES2017 for any current browser: no build step.
 */

import { INBOX_COMMON_JS } from './inbox-common-script';

export const INBOX_JS = `(function () {
  'use strict';
${INBOX_COMMON_JS}
  var list = document.getElementById('escalations');
  var message = document.getElementById('message');
  var who = document.getElementById('who');
  var say = function (text) { message.textContent = text; };

  // Loads can overlap (sign-in, refresh, filter): only the newest writes the list, and the list is aria-busy until
  // it has, so an older answer never replaces newer cards (or wipes what an approver was just told on one).
  var loads = 0;
  async function load() {
    var mine = ++loads;
    list.setAttribute('aria-busy', 'true');
    try {
      await loadCards(mine);
    } finally {
      if (mine === loads) list.setAttribute('aria-busy', 'false');
    }
  }

  async function loadCards(mine) {
    var approver = await signedInApprover(list, who, say, 'Enter your approver token to see pending approvals.');
    if (!approver) return;
    if (approver.id) {
      who.textContent = 'Deciding as ' + approver.id + (approver.groups.length ? ' (' + approver.groups.join(', ') + ')' : '');
    }
    var tool = document.getElementById('filter-tool').value.trim();
    var res = await fetch('/inbox/escalations' + (tool ? '?tool=' + encodeURIComponent(tool) : ''), { headers: headers(false) });
    if (!res.ok) {
      say(await errorText(res));
      return;
    }
    var fragment = await res.text();
    if (mine !== loads) return;
    say('');
    // The fragment is rendered by the server with every value HTML-escaped.
    list.innerHTML = fragment;
    var outbox = await fetch('/inbox/outbox', { headers: headers(false) });
    document.getElementById('outbox').innerHTML = outbox.ok ? await outbox.text() : '';
  }

  async function decide(card, action) {
    var outcome = card.querySelector('.outcome');
    var reason = card.querySelector('.decision-reason').value.trim();
    var body = {};
    if (reason) body.reason = reason;
    if (action === 'deny' && !reason) {
      outcome.textContent = 'Give a reason to deny.';
      return;
    }
    if (action === 'approve') {
      var editor = card.querySelector('.input-editor');
      if (editor.value !== editor.defaultValue) {
        try {
          body.modifiedInput = JSON.parse(editor.value);
        } catch (e) {
          outcome.textContent = 'The input is not valid JSON: ' + e.message;
          return;
        }
        if (typeof body.modifiedInput !== 'object' || body.modifiedInput === null || Array.isArray(body.modifiedInput)) {
          outcome.textContent = 'The input must be a JSON object.';
          return;
        }
      }
    }
    var buttons = card.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    outcome.textContent = 'Deciding...';
    var res = await fetch('/v1/escalations/' + encodeURIComponent(card.dataset.id) + '/' + action, {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify(body),
    });
    if (res.ok) {
      var result = await res.json();
      card.classList.add('decided');
      card.dataset.result = result.action;
      outcome.textContent = (action === 'approve' ? 'Approved' : 'Denied') + ': the call is now ' + result.action + '.';
      return;
    }
    outcome.textContent = await errorText(res);
    if (res.status !== 409 && res.status !== 410) buttons.forEach(function (b) { b.disabled = false; });
  }

  async function extend(card) {
    var outcome = card.querySelector('.outcome');
    var by = card.querySelector('.extend-for').value.trim();
    if (!by) {
      outcome.textContent = 'Give a duration to extend by, e.g. 24h.';
      return;
    }
    var res = await fetch('/v1/escalations/' + encodeURIComponent(card.dataset.id) + '/extend', {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify({ for: by }),
    });
    if (!res.ok) {
      outcome.textContent = await errorText(res);
      return;
    }
    var status = await res.json();
    outcome.textContent = 'Extended: the window now ends ' + status.expiresAt + '.';
  }

  list.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-action]');
    if (button) decide(button.closest('.escalation'), button.dataset.action).catch(function (e) { say(String(e)); });
    var extendButton = event.target.closest('button[data-extend]');
    if (extendButton) extend(extendButton.closest('.escalation')).catch(function (e) { say(String(e)); });
  });
  wireTokenForm(function () { load().catch(function (e) { say(String(e)); }); });
  document.getElementById('filter-form').addEventListener('submit', function (event) {
    event.preventDefault();
    load().catch(function (e) { say(String(e)); });
  });
  document.getElementById('refresh').addEventListener('click', function () {
    load().catch(function (e) { say(String(e)); });
  });
  load().catch(function (e) { say(String(e)); });
})();
`;
