/** What both inbox scripts open with (inside their own function scope): the token, request headers, error text. */

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
  }`;
