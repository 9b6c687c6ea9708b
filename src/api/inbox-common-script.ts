/**
 * What the inbox scripts open with (inside their own function scope): the token, request headers, error text, and
 * the sign-in steps of a page with the token form.
 */

export const INBOX_COMMON_JS = `  var KEY = 'durable-guard-token';
  var token = function () { return sessionStorage.getItem(KEY) || ''; };
  var headers = function (json) {
    var h = { authorization: 'Bearer ' + token() };
    if (json) h['content-type'] = 'application/json';
    return h;
  };

  async function errorText(res) {
    try {
      var body = await res.json();
      return body.error.code + ': ' + body.error.message;
    } catch (e) {
      return 'HTTP ' + res.status;
    }
  }

  // The approver of the token, or null after clearing the page's view and saying why (none, or not accepted).
  async function signedInApprover(view, who, say, prompt) {
    var signedOut = function (text) {
      view.textContent = '';
      who.textContent = '';
      say(text);
      return null;
    };
    if (!token()) return signedOut(prompt);
    var me = await fetch('/v1/me', { headers: headers(false) });
    if (me.status === 401) {
      sessionStorage.removeItem(KEY);
      return signedOut('That token was not accepted; enter it again.');
    }
    return me.ok ? await me.json() : {};
  }

  // The token form: keep the entered token (or forget it) in this tab's session, then run again.
  function wireTokenForm(run) {
    document.getElementById('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var input = document.getElementById('token');
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = '';
      run();
    });
    document.getElementById('forget-token').addEventListener('click', function () {
      sessionStorage.removeItem(KEY);
      run();
    });
  }`;
