import type { Detector, DetectorMatch } from './detector';
import { passwordAssignmentDetector } from './secrets';

/*
 * Secrets named by their key rather than recognisable by their value: `{"DB_PASSWORD": "Qx7#mL2vN9"}`,
 * `env: [{name: JWT_SECRET, value: ...}]`, `.env`/YAML/properties text (`spring.datasource.password=...`) and
 * command lines (`mysql -p'...'`, `curl -u admin:...`, `gh secret set NAME --body ...`). A password has no format,
 * so the name says what the value is and the value only has to be a literal: not a placeholder, a reference to a
 * secret store, a template variable or code that reads the secret from elsewhere. Every scan is linear: patterns
 * start at a fixed word and run a bounded length, and names are read backwards at most 64 characters.
 */

/** Last words of a name that hold a credential (`db_password`, `clientSecret`, `X-Auth-Token`, `PGPASSWORD`). */
const secretNoun = /(?:password|passwd|passphrase|passcode|secret|token|credentials?|creds|apikey|authkey)$/;

/** Words before `key` that make it a secret (`api_key`, `encryption_key`): any but these, which name data. */
const dataKeys = new Set([
  'primary',
  'sort',
  'partition',
  'range',
  'hash',
  'idempotency',
  'cache',
  'public',
  'publishable',
  'foreign',
  'object',
  's3',
  'file',
  'row',
  'map',
  'lookup',
  'shard',
  'routing',
  'group',
  'unique',
  'natural',
  'surrogate',
  'composite',
  'dedup',
  'dedupe',
  'index',
  'cursor',
  'i18n',
  'translation',
  'message',
  'locale',
  'hot',
  'short',
  'sorting',
  'ssh',
  'kms',
]);

/** Words before `token` that make it a cursor, not a credential (`next_token`, `page_token`). */
const cursorTokens = new Set([
  'next',
  'page',
  'continuation',
  'pagination',
  'cursor',
  'sync',
  'resume',
  'cancellation',
]);

/** Last words that qualify a credential noun rather than name something else. */
const encodingWords = new Set(['base', 'value', 'b64', 'base64', 'hex', 'raw', 'str', 'string', 'plain', 'plaintext']);

/** The words of a name: `DB_PASSWORD`, `dbPassword`, `db-password` and `db.password` all give `db`, `password`. */
export function nameWords(name: string): string[] {
  return name
    .slice(-64)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Whether a key or variable name says that its value is a credential: its last word is a credential noun
 * (`password`, `secret`, `token`, ...), or `key` after a word that is not a kind of data key (`api_key`,
 * `secret_access_key`, but not `primary_key`, `idempotency_key` or a bare `key`). `authorization` too.
 */
export function namesSecret(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  const before = words[words.length - 2];
  if (last === 'authorization') return true;
  // A qualifier after the noun names its encoding or form (Rails' `SECRET_KEY_BASE`, `API_TOKEN_VALUE`, `PASSWORD_B64`).
  if (encodingWords.has(last) && words.length > 1) return namesSecret(words.slice(0, -1).join('_'));
  if (last === 'key') return before !== undefined && !dataKeys.has(before);
  if (last === 'pwd' || last === 'pass' || last === 'pw') return true;
  if (last === 'token') return before === undefined || !cursorTokens.has(before);
  return secretNoun.test(last);
}

const notSecrets = new Set([
  'changeme',
  'change_me',
  'change-me',
  'placeholder',
  'redacted',
  'required',
  'optional',
  'none',
  'null',
  'nil',
  'undefined',
  'true',
  'false',
  'enabled',
  'disabled',
  'secret',
  'password',
  'token',
  'example',
  'sample',
  'dummy',
  'testing',
  'default',
  'unset',
  'empty',
  'hidden',
  'masked',
  'omitted',
  'provided',
  'missing',
  'invalid',
  'expired',
  'string',
  'inherit',
]);

const prose = new Set(['the', 'a', 'an', 'in', 'is', 'see', 'from', 'of', 'to', 'use', 'set', 'on', 'at', 'by', 'for']);

/**
 * Whether `raw`, the value under a credential's name, is a literal credential: not a placeholder (`<YOUR_KEY>`,
 * `****`, `your-key-here`, `...`), a template or variable (`${DB_PASSWORD}`, `{{ .Values.pw }}`, `$(cat f)`), a
 * reference (`op://...`, `arn:aws:secretsmanager:...`, `projects/p/secrets/...`, a path, an `ENV_NAME`), code
 * (`os.environ['X']`, `process.env.X`) or prose. Letters only must be 8 long; a passphrase is 3 to 5 words.
 */
export function isLiteralSecret(raw: string): boolean {
  const value = raw.trim();
  if (value.length < 6 || value.length > 512) return false;
  const scheme = /^(?:Basic|Bearer|Token)\s+(\S+)$/i.exec(value);
  if (scheme) return scheme[1] !== undefined && isLiteralSecret(scheme[1]);
  if (/^(.)\1*$/.test(value) || /[*\u2022]{3}|x{5}|X{5}|\.\.\.|\u2026/.test(value)) return false;
  if (/\$\{|\{\{|<%|\$\(|%[A-Za-z_]+%|^\$[A-Za-z_]|^<[^>]*>$|^\[[^\]]*\]$/.test(value)) return false;
  if (/^(?:[A-Za-z][A-Za-z0-9+.-]{0,20}:\/\/|\/|\.{1,2}\/|~\/)/.test(value)) return false;
  if (/^(?:arn:|projects\/|vault:|env:|secret:|ref:|file:|keyvault:|sm:)/i.test(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value)) return false;
  if (/^[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){1,8}$|^[A-Za-z_$][\w$.]{0,127}[[(]/.test(value)) return false;
  if (/^(?:your|my|insert|enter|replace|paste|put)(?:[-_ ]|$)|[-_ ](?:here|placeholder)$/i.test(value)) return false;
  if (notSecrets.has(value.toLowerCase())) return false;
  const words = value.split(/\s+/);
  if (words.length > 1) {
    return words.length <= 5 && words.every((w) => /^[a-z]{3,}$/i.test(w) && !prose.has(w.toLowerCase()));
  }
  if (/^[a-z]+$/i.test(value)) return value.length >= 8;
  return true;
}

/**
 * The name a string is stored under: its key, or for the value of a `{name|key, value}` pair the pair's name
 * (Kubernetes `env`, CI and hosting variables).
 */
export function storedName(key: string | number, holder: unknown): string | undefined {
  if (typeof key !== 'string') return undefined;
  if (key === 'value' && typeof holder === 'object' && holder !== null && !Array.isArray(holder)) {
    const pair = holder as Record<string, unknown>;
    const name = typeof pair.name === 'string' ? pair.name : typeof pair.key === 'string' ? pair.key : undefined;
    if (name !== undefined) return name;
  }
  return key;
}

// A credential noun followed by an assignment (`=`, `:` but not `://`); the name is read backwards from it.
const assignment =
  /(?:pass(?:word|wd|phrase|code)?|pwd|secret|token|key|creds?|credentials|authorization)(?:[_.-](?:base|value|b64|base64|hex|raw|str|string|plain|plaintext))?["']?[ \t]{0,4}(?:=|:(?!\/\/))[ \t]{0,4}/gi;
// `key="ApiSecret" value="..."` (.NET app.config and similar attribute pairs).
const attributePair = /\b(?:key|name)\s{0,4}=\s{0,4}"([^"\n]{1,64})"\s{1,8}value\s{0,4}=\s{0,4}"([^"\n]{1,256})"/gi;
// Command-line flags: `--password X`, `--token=X`, `sshpass -p X`, `curl -u user:X`, `... set NAME [--body] X`.
const flag =
  /(?:^|\s)--(?:password|passwd|pass|token|secret|api-?key|auth-?key|access-?token|client-?secret)(?:=|\s{1,4})|\bsshpass\s{1,4}-p\s{0,4}|(?:^|\s)(?:-u|--user)(?:=|\s{1,4})["']?[^\s:"']{1,64}:|\bset\s{1,4}([A-Za-z_][\w.-]{0,63})\s{1,4}(?:--body\s{1,4}|-b\s{1,4})?/g;
// `mysql ... -p'secret'`: the password attached to -p, after a MySQL client on the same command.
const mysqlPassword = /\b(?:mysql|mariadb|mysqldump|mysqladmin)\b[^|;&\n]{0,200}?\s-p(?=["']|[^\s"'])/g;

/** The value that starts at `from`: quoted (to the closing quote) or bare (to a blank or separator). */
function valueAt(text: string, from: number): { value: string; end: number } | undefined {
  const quote = text[from];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, from + 1);
    if (close < 0 || close - from > 257 || text.slice(from + 1, close).includes('\n')) return undefined;
    return { value: text.slice(from + 1, close), end: close + 1 };
  }
  let end = from;
  const limit = Math.min(text.length, from + 256);
  while (end < limit && !/[\s"',;<>]/.test(text[end] as string)) end++;
  return end > from ? { value: text.slice(from, end), end } : undefined;
}

/** The identifier that ends at `end` (letters, digits, `_`, `-`, `.`), read backwards at most 64 characters. */
function nameBefore(text: string, end: number): string {
  let start = end;
  const limit = Math.max(0, end - 64);
  while (start > limit && /[A-Za-z0-9_.-]/.test(text[start - 1] as string)) start--;
  return text.slice(start, end);
}

/** Every credential assigned in `text` under a credential's name, in order. */
function findKeyed(text: string): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  const add = (start: number, value: { value: string; end: number } | undefined): void => {
    if (value && isLiteralSecret(value.value)) matches.push({ start, end: value.end });
  };
  assignment.lastIndex = 0;
  for (let m = assignment.exec(text); m !== null; m = assignment.exec(text)) {
    const op = m[0].search(/["']?[ \t]*[=:]/);
    const name = nameBefore(text, m.index + op);
    // A name after `:` is a segment of an identifier (`arn:aws:secretsmanager:...:secret:prod/db`), not a key.
    if (!namesSecret(name) || text[m.index + op - name.length - 1] === ':') continue;
    const from = m.index + m[0].length;
    const scheme = /^(?:Basic|Bearer|Token)[ \t]{1,4}/i.exec(text.slice(from, from + 12));
    const value = valueAt(text, from + (scheme ? scheme[0].length : 0));
    add(m.index + op - name.length, value);
  }
  attributePair.lastIndex = 0;
  for (let m = attributePair.exec(text); m !== null; m = attributePair.exec(text)) {
    if (namesSecret(m[1] as string) && isLiteralSecret(m[2] as string)) {
      matches.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  flag.lastIndex = 0;
  for (let m = flag.exec(text); m !== null; m = flag.exec(text)) {
    if (m[1] !== undefined && !namesSecret(m[1])) continue;
    add(m.index, valueAt(text, m.index + m[0].length));
  }
  mysqlPassword.lastIndex = 0;
  for (let m = mysqlPassword.exec(text); m !== null; m = mysqlPassword.exec(text)) {
    add(m.index, valueAt(text, m.index + m[0].length));
  }
  return matches
    .sort((a, b) => a.start - b.start)
    .filter((m, i, all) => i === 0 || m.start >= (all[i - 1] as DetectorMatch).end);
}

const credentialHint = /pass|pwd|secret|token|key|cred|authorization|sshpass|-u|--user|\bset\s/i;

/**
 * Credentials named by their key: in text (`DATABASE_PASSWORD=...`, `password: ...`, `key="ApiSecret"
 * value="..."`, `--token X`, `mysql -p'...'`, `curl -u user:pass`, `gh secret set NAME --body X`) and, through
 * {@link Detector.named}, a string value under a credential's key (`{"DB_PASSWORD": "..."}`, an `env` list's
 * `{name: "JWT_SECRET", value: "..."}`). Redaction sees the text forms only; the rule that uses it blocks.
 */
export const secretKeyDetector: Detector = {
  name: 'named_secret',
  group: 'secrets',
  linear: true,
  // What the catalog's `password_assignment` already reports in a string is not reported twice.
  find(text) {
    return credentialHint.test(text) && !passwordAssignmentDetector.test(text) ? findKeyed(text) : [];
  },
  test(text) {
    return credentialHint.test(text) && !passwordAssignmentDetector.test(text) && findKeyed(text).length > 0;
  },
  named(name, text) {
    return namesSecret(name) && isLiteralSecret(text);
  },
};
