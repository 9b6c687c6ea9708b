/** The Policies page's script: the token, and the overview fragment fetched with it. Plain ES2017, no build step. */
import { INBOX_COMMON_JS } from './inbox-common-script';

export const INBOX_POLICIES_JS = `(function () {
  'use strict';
${INBOX_COMMON_JS}
  var main = document.getElementById('policies');
  var message = document.getElementById('message');
  var who = document.getElementById('who');
  var say = function (text) { message.textContent = text; };

  async function load() {
    main.dataset.loading = '1';
    try {
      var approver = await signedInApprover(main, who, say, 'Enter your approver token to see the policies in force.');
      if (!approver) return;
      if (approver.id) who.textContent = 'Signed in as ' + approver.id;
      var res = await fetch('/inbox/policies/overview', { headers: headers(false) });
      if (!res.ok) {
        say(await errorText(res));
        return;
      }
      say('');
      // The fragment is rendered by the server with every value HTML-escaped.
      main.innerHTML = await res.text();
    } finally {
      main.dataset.loading = '0';
    }
  }

  var run = function () { load().catch(function (e) { say(String(e)); }); };
  wireTokenForm(run);
  document.getElementById('refresh').addEventListener('click', run);
  run();
})();
`;
