import type { Detector, DetectorMatch } from './detector';
import { regexDetector } from './detector';

/*
 * The catalog follows each provider's documented token format (prefix, alphabet, length). Every pattern starts
 * with a fixed prefix or a bounded run and has no nested repetition, so a scan is linear in the text: every
 * detector here is marked `linear` and sees whole strings (measured by bench/hostile-input.ts). An unbounded run
 * (`{20,}`) is never followed by a condition that can fail after it, or only by `\b`, which a later start inside
 * the run would satisfy; a validator's rejection restarts one character on, within a match of at most 256.
 */

/**
 * Documentation and templates show the format with a filler (`ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`,
 * `sk_live_000000...`): a real token's last 16 characters (of `text` up to `end`, from `start` at the earliest)
 * hold at least 5 different ones. Counted in place, without a copy or a set per match.
 */
export function looksRandom(text: string, start = 0, end = text.length): boolean {
  const from = Math.max(start, end - 16);
  let distinct = 0;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    // Characters are counted whole, so a surrogate pair is one; the catalog's patterns match ASCII only.
    if (c >= 0xd800 && c <= 0xdfff) return new Set(text.slice(from, end)).size >= 5;
    let j = from;
    while (j < i && text.charCodeAt(j) !== c) j++;
    if (j === i && ++distinct >= 5) return true;
  }
  return false;
}

const secret = (
  name: string,
  pattern: RegExp,
  prefilter: (text: string) => boolean,
  validate?: (s: string) => boolean,
): Detector =>
  validate
    ? regexDetector({ name, group: 'secrets', pattern, prefilter, linear: true, validate })
    : // The filler check filters whole matches and never restarts inside a rejected one: a restart one character on
      // would make the unbounded runs (`sk-proj-...{20,}`) quadratic on a hostile string of repeated prefixes.
      regexDetector({ name, group: 'secrets', pattern, prefilter, linear: true, keep: looksRandom });

/** Cloud access key ids: AWS (`AKIA...`, `ASIA...` and the other documented prefixes), Google API keys (`AIza...`). */
export const cloudKeyDetector = secret(
  'cloud_key',
  /\b(?:(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}|AIza[0-9A-Za-z_-]{35})\b/g,
  (text) => /AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|AIza/.test(text),
);

const base64Run = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/**
 * AWS secret access keys: 40 characters of base64 after an `aws_secret_access_key`-style name, or on their own
 * when they mix upper and lower case, digits and `/` or `+` (hex digests and words do not).
 */
export const awsSecretKeyDetector: Detector = {
  name: 'aws_secret_key',
  group: 'secrets',
  linear: true,
  find: (text) => awsSecretKeys(text, false),
  test: (text) => awsSecretKeys(text, true).length > 0,
};

/** The AWS secret keys in `text`, or only the first with `first` (a yes/no question needs no more). */
function awsSecretKeys(text: string, first: boolean): DetectorMatch[] {
  if (text.length < 40) return [];
  const matches: DetectorMatch[] = [];
  base64Run.lastIndex = 0;
  for (let m = base64Run.exec(text); m !== null; m = base64Run.exec(text)) {
    const key = m[0];
    const before = text.slice(Math.max(0, m.index - 48), m.index).toLowerCase();
    const named = /(?:aws|secret).{0,30}[:=]\s*["']?$/.test(before);
    // A run of a URL's path (`docs.aws.amazon.com/AWSEC2/latest/UserGuide/...`) is not a key on its own.
    if (!named && /:\/\/[^\s"'<>]*$/.test(before)) continue;
    const looksRandom = /[a-z]/.test(key) && /[A-Z]/.test(key) && /\d/.test(key) && /[/+]/.test(key);
    if (named || looksRandom) {
      matches.push({ start: m.index, end: m.index + key.length });
      if (first) break;
    }
  }
  return matches;
}

/** GitHub tokens: classic (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and fine-grained (`github_pat_`). */
export const githubTokenDetector = secret(
  'github_token',
  /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
  (text) => (text.includes('gh') || text.includes('github_pat_')) && text.includes('_'),
);

/** GitLab tokens: personal, project, group, deploy, runner, trigger, feed and OAuth tokens (`glpat-`, ...). */
export const gitlabTokenDetector = secret(
  'gitlab_token',
  /\b(?:glpat|glptt|gldt|glrt|glcbt|glimt|glagent|glsoat|gloas|glft|glffct)-[A-Za-z0-9_-]{16,}|\bGR1348941[A-Za-z0-9_-]{20,}/g,
  (text) => text.includes('gl') || text.includes('GR1348941'),
);

/** Slack bot, user, app and refresh tokens (`xoxb-`, `xoxp-`, `xapp-`, ...) and incoming webhook URLs. */
export const slackTokenDetector = secret(
  'slack_token',
  /\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g,
  (text) => text.includes('xox') || text.includes('xapp-') || text.includes('hooks.slack.com'),
);

/** Stripe secret and restricted keys (`sk_live_`, `rk_live_`, test keys too) and webhook secrets (`whsec_`). */
export const stripeKeyDetector = secret(
  'stripe_key',
  /\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{24,})\b/g,
  (text) => text.includes('k_live_') || text.includes('k_test_') || text.includes('whsec_'),
);

/** Anthropic API and admin keys (`sk-ant-api03-...`, `sk-ant-admin01-...`). */
export const anthropicKeyDetector = secret(
  'anthropic_key',
  /\bsk-ant-(?:api|admin|sid|oat)\d{2}-[A-Za-z0-9_-]{20,}/g,
  (text) => text.includes('sk-ant-'),
);

/** OpenAI API keys: project (`sk-proj-`), service account (`sk-svcacct-`), admin and legacy `sk-` keys. */
export const openaiKeyDetector = secret(
  'openai_key',
  /\bsk-(?!ant-)(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})\b/g,
  (text) => text.includes('sk-'),
);

/** Google OAuth client secrets (`GOCSPX-`) and OAuth access tokens (`ya29.`). API keys are `cloud_key`. */
export const googleTokenDetector = secret(
  'google_token',
  /\bGOCSPX-[A-Za-z0-9_-]{28}|\bya29\.[0-9A-Za-z_-]{20,}/g,
  (text) => text.includes('GOCSPX-') || text.includes('ya29.'),
);

/** Hugging Face user and org tokens (`hf_...`, `api_org_...`). */
export const huggingFaceTokenDetector = secret(
  'huggingface_token',
  /\b(?:hf_[A-Za-z0-9]{34,40}|api_org_[A-Za-z0-9]{34})\b/g,
  (text) => text.includes('hf_') || text.includes('api_org_'),
);

/** npm access tokens (`npm_` and 36 characters). */
export const npmTokenDetector = secret('npm_token', /\bnpm_[A-Za-z0-9]{36}\b/g, (text) => text.includes('npm_'));

/** PyPI API tokens (`pypi-AgEIcHlwaS5vcmc...`, a macaroon for pypi.org). */
export const pypiTokenDetector = secret('pypi_token', /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g, (text) =>
  text.includes('pypi-AgEIcHlwaS5vcmc'),
);

const privateKeyHeader = /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;

/** PEM private key blocks (RSA, EC, OpenSSH, PKCS#8, encrypted, PGP), also when the END line is cut off. */
export const privateKeyDetector: Detector = {
  name: 'private_key',
  group: 'secrets',
  linear: true,
  find: (text) => privateKeys(text, false),
  test: (text) => privateKeys(text, true).length > 0,
};

/** The PEM private key blocks in `text`, or only the first with `first`. */
function privateKeys(text: string, first: boolean): DetectorMatch[] {
  if (!text.includes('-----BEGIN')) return [];
  const matches: DetectorMatch[] = [];
  privateKeyHeader.lastIndex = 0;
  for (let m = privateKeyHeader.exec(text); m !== null; m = privateKeyHeader.exec(text)) {
    // A header with no key material after it is the format being described, not a key.
    if (!keyMaterialAfter(text, m.index + m[0].length)) continue;
    const endMarker = text.indexOf('-----END ', m.index + m[0].length);
    const close = endMarker < 0 ? -1 : text.indexOf('-----', endMarker + 9);
    const end = close < 0 ? text.length : close + 5;
    matches.push({ start: m.index, end });
    // Searching on from the block's end keeps the scan linear when headers repeat without END lines.
    privateKeyHeader.lastIndex = end;
    if (first || end >= text.length) break;
  }
  return matches;
}

/**
 * Whether key material follows a PEM header: after blanks (or JSON's `\\n`), an encryption header line or a run of
 * at least 6 base64 characters. Prose about the format (`-----BEGIN PRIVATE KEY----- is the header`) has neither.
 */
function keyMaterialAfter(text: string, from: number): boolean {
  let i = from;
  const limit = Math.min(text.length, from + 64);
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else if (c === 92 && (text[i + 1] === 'n' || text[i + 1] === 'r')) i += 2;
    else break;
  }
  if (text.startsWith('Proc-Type:', i)) return true;
  let run = 0;
  for (; i < text.length && run < 6; i++, run++) {
    const c = text.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) break;
  }
  return run >= 6;
}

/** HTTP bearer tokens (`Bearer <token>`). */
export const bearerTokenDetector = secret('bearer_token', /\bBearer\s{1,8}[A-Za-z0-9\-._~+/]{16,}=*/g, (text) =>
  text.includes('Bearer'),
);

/**
 * JSON web tokens: three base64url parts, the first two encoding JSON objects (`eyJ`). A scanner, not a regex:
 * a run of `eyJeyJ...` would make the regex retry the run from every `eyJ`.
 */
export const jwtDetector: Detector = {
  name: 'jwt',
  group: 'secrets',
  linear: true,
  find: (text) => jwts(text, false),
  test: (text) => jwts(text, true).length > 0,
};

/** The JSON web tokens in `text`, or only the first with `first`. */
function jwts(text: string, first: boolean): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  let from = 0;
  for (let start = text.indexOf('eyJ'); start >= 0; start = text.indexOf('eyJ', from)) {
    const headerEnd = runEnd(text, start + 3);
    from = headerEnd;
    if (headerEnd - start < 8 || !wordStart(text, start) || text[headerEnd] !== '.') continue;
    if (!text.startsWith('eyJ', headerEnd + 1)) continue;
    const payloadEnd = runEnd(text, headerEnd + 4);
    from = payloadEnd;
    if (payloadEnd - headerEnd - 1 < 8 || text[payloadEnd] !== '.') continue;
    const end = runEnd(text, payloadEnd + 1);
    matches.push({ start, end });
    if (first) break;
    from = end;
  }
  return matches;
}

function isBase64Url(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 95
  );
}

function runEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isBase64Url(text.charCodeAt(i))) i++;
  return i;
}

function wordStart(text: string, at: number): boolean {
  return at === 0 || !isBase64Url(text.charCodeAt(at - 1));
}

/** URLs with a password in them (`postgres://admin:hunter2@db/prod`, `https://user:token@host`). */
export const urlCredentialsDetector = secret(
  'url_credentials',
  /\b[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s/:@"'<>]{0,256}:[^\s/@"'<>]{1,256}@[^\s/@"'<>]/g,
  (text) => text.includes('://') && text.includes('@'),
  (candidate) => !/:\/\/[^:]*:(?:\*+|x+|<[^>]*>|\$\{?[A-Za-z_]+\}?|password|pass|PASSWORD)@/.test(candidate),
);

const notValues = new Set([
  'required',
  'optional',
  'provided',
  'missing',
  'invalid',
  'incorrect',
  'expired',
  'hidden',
  'redacted',
  'none',
  'null',
  'true',
  'false',
  'undefined',
  'string',
  'example',
  'enter',
  'changed',
  'updated',
  'reset',
  'please',
]);

const placeholderValue =
  /^(?:your|insert|enter|replace|paste)(?:[-_ ]|$)|[-_](?:here|placeholder|goes[-_]here)$|^change[-_]?me$|^placeholder$|^replace[-_]?me$|^todo$/i;

/**
 * Assignments of a credential: `password=...`, `api_key: ...`, `client_secret = "..."`, `token: ...`. Placeholders
 * (`${VAR}`, `<password>`, `****`) and plain words such as `required` are not secrets.
 */
export const passwordAssignmentDetector = secret(
  'password_assignment',
  /(?<![A-Za-z:])(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|(?:auth|access|refresh|api)[_-]?token|client[_-]?secret|private[_-]?key)["']?[ \t]{0,4}[:=][ \t]{0,4}["']?[^\s"',;&<>]{4,200}/gi,
  (text) => text.includes('=') || text.includes(':'),
  (candidate) => {
    const value = (/[:=][ \t]*["']?([^\s"',;&<>]+)$/.exec(candidate)?.[1] ?? '').replace(/["']$/, '');
    if (/^(?:\$|\{\{|%|\*+$|x+$|\/|~\/|\.{1,2}\/|\(|\[)|^[A-Z_]+$/.test(value)) return false;
    // Placeholders of example files: `...` anywhere (`sk-ant-...`), `your-key-here`, `changeme`, `replace_me`.
    if (/\.\.\.|\u2026/.test(value) || placeholderValue.test(value)) return false;
    // Code that reads the secret from elsewhere: `os.environ[...]`, `getenv(...)`, `process.env.API_KEY`.
    if (
      /^[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){0,8}[[(]|^[a-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){1,8}$/.test(
        value,
      )
    )
      return false;
    if (/^[a-z]+$/i.test(value)) return value.length >= 6 && !notValues.has(value.toLowerCase());
    return value.length >= 4;
  },
);

/** The catalog without its gate (secret-gate.ts; tests check the gate against it). */
export const secretCatalog: readonly Detector[] = [
  privateKeyDetector,
  cloudKeyDetector,
  awsSecretKeyDetector,
  githubTokenDetector,
  gitlabTokenDetector,
  slackTokenDetector,
  stripeKeyDetector,
  anthropicKeyDetector,
  openaiKeyDetector,
  googleTokenDetector,
  huggingFaceTokenDetector,
  npmTokenDetector,
  pypiTokenDetector,
  jwtDetector,
  bearerTokenDetector,
  urlCredentialsDetector,
  passwordAssignmentDetector,
];
