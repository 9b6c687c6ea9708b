import type { Detector } from './detector';
import { secretCatalog } from './secrets';
import { verdictMemo } from './verdict-memo';

/*
 * What every secret detector needs before it can match, as three cheap tests: a provider prefix, `://` (URL
 * credentials), `eyJ` (JWT) or `Bearer`; a credential word (`password`, `token`, ...; any case, so wider than the
 * assignment detector); or a run of 40 base64 characters (AWS secret keys). They only have to be no narrower than
 * the detectors. Linear: fixed alternatives, and a counting loop.
 */
const prefixes =
  '-----BEGIN|A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|Iza)|gh[pousr]_|github_pat_|gl(?:pat|ptt|dt|rt|cbt|imt|agent|soat|oas|ft|ffct)-|GR1348941|xox[abposre]-|xapp-|k_(?:live|test)_|whsec_|sk-|GOCSPX-|ya29\\.|hf_|api_org_|npm_|pypi-|eyJ|Bearer|:\\/\\/';
const everyPrefix = new RegExp(prefixes, 'g');
const credentialWord = /pass(?:word|wd|phrase)|pwd|secret|api[_-]?key|apikey|access[_-]?key|token|private[_-]?key/i;

function hasBase64Run(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47) {
      if (++run >= length) return true;
    } else run = 0;
  }
  return false;
}

const bitOf = new Map(secretCatalog.map((d, i) => [d.name, 1 << i]));
const bits = (...names: string[]): number => names.reduce((all, name) => all | (bitOf.get(name) ?? 0), 0);

// The detectors a matched prefix (`everyPrefix`) makes possible, by its first two characters; `://` and `sk-` apart.
const byHead: Record<string, string[]> = {
  '--': ['private_key'],
  gh: ['github_token'],
  gi: ['github_token'],
  gl: ['gitlab_token'],
  GR: ['gitlab_token'],
  xo: ['slack_token'],
  xa: ['slack_token'],
  k_: ['stripe_key'],
  wh: ['stripe_key'],
  GO: ['google_token'],
  ya: ['google_token'],
  hf: ['huggingface_token'],
  ap: ['huggingface_token'],
  np: ['npm_token'],
  py: ['pypi_token'],
  ey: ['jwt'],
  Be: ['bearer_token'],
  ':/': ['url_credentials', 'slack_token'],
  sk: ['anthropic_key', 'openai_key'],
};
const bitsByHead = new Map(Object.entries(byHead).map(([head, names]) => [head, bits(...names)]));
// AKIA, ASIA, ... and AIza.
const cloudBits = bits('cloud_key');
const allPrefixBits = [...bitsByHead.values()].reduce((all, b) => all | b, cloudBits);
const maxPrefixMatches = 64;
const passwordBits = bits('password_assignment');
const awsSecretBits = bits('aws_secret_key');

let candidatesText: string | undefined;
let lastCandidates = 0;

/**
 * Which catalog detectors can match `text` (bit i for `secretCatalog[i]`), from one pass of the prefix pattern
 * (every match, overlapping ones too), the credential word and the base64 run: no narrower than each detector's
 * own pre-filter, so a detector whose bit is clear cannot match (test/unit/policy/detector-gates.test.ts). The last
 * string's answer is kept: the gate asks first, then the catalog's verdict asks again for the same string.
 */
export function secretCandidates(text: string): number {
  if (text === candidatesText) return lastCandidates;
  let found = 0;
  let seen = 0;
  everyPrefix.lastIndex = 0;
  for (let m = everyPrefix.exec(text); m !== null; m = everyPrefix.exec(text)) {
    // Text dense with prefixes (hostile input) names every prefixed detector rather than paying per match.
    if (++seen > maxPrefixMatches) {
      found |= allPrefixBits;
      break;
    }
    found |= bitsByHead.get(m[0].slice(0, 2)) ?? cloudBits;
    // One character on, not past the match: a prefix may start inside another (linear: each start once).
    everyPrefix.lastIndex = m.index + 1;
  }
  if (credentialWord.test(text)) found |= passwordBits;
  if (text.length >= 40 && hasBase64Run(text, 40)) found |= awsSecretBits;
  candidatesText = text;
  lastCandidates = found;
  return found;
}

const memo = verdictMemo<number>();

/**
 * The secret catalog's family gate (see {@link Detector.gate}): false when no secret detector can match, that is
 * when no detector is a candidate, or when the verdict memo already knows that none matches. One pass for the gate
 * and the catalog, instead of a test of its own before it.
 */
export function mayHoldSecret(text: string): boolean {
  const verdict = memo.known(text);
  if (verdict !== undefined) return verdict !== 0;
  return secretCandidates(text) !== 0;
}

let lastText: string | undefined;
let lastVerdict = 0;

/**
 * Which catalog detectors match `text` (bit i for `secretCatalog[i]`): each candidate detector runs once per
 * string, the last string is kept for the other detectors of the catalog, and recent strings are remembered in the
 * bounded verdict memo.
 */
export function secretVerdict(text: string): number {
  if (text !== lastText) {
    lastVerdict = memo.get(text, () => {
      const candidates = secretCandidates(text);
      let verdict = 0;
      for (let i = 0; i < secretCatalog.length; i++) {
        const bit = 1 << i;
        if ((candidates & bit) !== 0 && (secretCatalog[i] as Detector).test(text)) verdict |= bit;
      }
      return verdict;
    });
    lastText = text;
  }
  return lastVerdict;
}

/** Every secret detector, behind the family gate {@link mayHoldSecret}, judging a string once for the catalog. */
export const secretDetectors: Detector[] = secretCatalog.map((d, i) => ({
  ...d,
  gate: mayHoldSecret,
  test: (text: string) => (secretVerdict(text) & (1 << i)) !== 0,
}));
