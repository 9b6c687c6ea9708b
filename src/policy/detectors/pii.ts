import { longestIban as importedLongestIban } from './checksums';
import type { Detector, DetectorMatch } from './detector';
import { regexDetector } from './detector';
import { nationalIdDetector, spelledEmailDetector } from './pii-ids';

/*
 * Every PII detector here runs in time linear in the text: each either anchors on a literal found with indexOf
 * and looks at a bounded window around it, or walks the text once. A hostile string cannot make one quadratic.
 */

// Bound once: a call through the import would go through its getter each time under tsx.
const longestIban = importedLongestIban;

// Character classes live here, not in a module of their own: tsx compiles imports to getter calls, which cost
// more than the lookup itself in these loops.
/** `0`-`9`. */
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** ASCII letters `A`-`Z`, `a`-`z`. */
function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** A character of an email's local part: `A-Z a-z 0-9 . _ % + -`. */
const EMAIL_LOCAL = 1;
/** A character of a domain label: `A-Z a-z 0-9 -`. */
const DOMAIN_LABEL = 2;
/** An ASCII letter. */
const LETTER = 4;

// One table lookup per character: measured several times faster than chains of comparisons on hostile text.
const table = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const letter = isLetter(code);
  const alnum = letter || isDigit(code);
  const local = alnum || code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
  table[code] = (local ? EMAIL_LOCAL : 0) | (alnum || code === 45 ? DOMAIN_LABEL : 0) | (letter ? LETTER : 0);
}

/** The class flags of `code` ({@link EMAIL_LOCAL}, {@link DOMAIN_LABEL}, {@link LETTER}); 0 outside ASCII. */
function charClass(code: number): number {
  return code < 128 ? (table[code] as number) : 0;
}

const hasDigit = (text: string): boolean => /\d/.test(text);

/** RFC 5321: a local part has at most 64 octets, a domain at most 255. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;

/**
 * The end of the domain that starts at `from` (`label(.label)*.tld`, tld two or more letters), or -1. Greedy like
 * the regular expression it replaces: the last dot followed by at least two letters ends the domain there.
 */
function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN);
  let end = -1;
  let i = from;
  if (i >= limit || !(charClass(text.charCodeAt(i)) & DOMAIN_LABEL)) return -1;
  while (i < limit) {
    if (charClass(text.charCodeAt(i)) & DOMAIN_LABEL) {
      i++;
      continue;
    }
    if (text.charCodeAt(i) !== 46 || i + 1 >= limit || !(charClass(text.charCodeAt(i + 1)) & DOMAIN_LABEL)) break;
    let j = i + 1;
    while (j < limit && charClass(text.charCodeAt(j)) & LETTER) j++;
    if (j - i - 1 >= 2) end = j;
    i++;
  }
  return end;
}

/** Email addresses: anchored on each `@`, at most 64 characters before it and 255 after. */
export const emailDetector: Detector = {
  name: 'email',
  group: 'pii',
  linear: true,
  find: (text) => emails(text, false),
  test: (text) => emails(text, true).length > 0,
};

/** The email addresses in `text`, or only the first with `first` (a yes/no question needs no more). */
function emails(text: string, first: boolean): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  let floor = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    const lowest = Math.max(floor, at - MAX_LOCAL);
    while (start > lowest && charClass(text.charCodeAt(start - 1)) & EMAIL_LOCAL) start--;
    if (start === at) continue;
    const end = domainEnd(text, at + 1);
    if (end < 0) continue;
    matches.push({ start, end });
    if (first) break;
    floor = end;
    at = end - 1;
  }
  return matches;
}

const idLabel =
  /\b(?:id|ref|reference|order|invoice|ticket|case|serial|tracking|meeting|booking|confirmation|transaction|txn|sku|part|job|build)\s{0,3}(?:no\.?|num(?:ber)?\.?)?\s{0,3}[:#]?\s{0,3}$/i;

/**
 * Phone numbers: international `+` numbers, in groups of any length as countries write them (`+49 30 901820`,
 * `+33 1 42 68 53 00`, `+81 3-1234-5678`, `+49 151 23456789`), or national numbers written with separators (`(555) 123-4567`,
 * `555-123-4567`, `030 1234 5678`, `07700 900123`). Bare digit runs are not phones: too many ids look alike, and a number right
 * after an id label (`Meeting ID 845 2211 9031`, `order #`, `invoice no.`) is that id. Every quantifier is bounded
 * and the lookbehind anchors each try, so the expression cannot backtrack far.
 */
export const phoneDetector: Detector = regexDetector({
  name: 'phone',
  group: 'pii',
  linear: true,
  pattern:
    /(?<![\w+]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-]|[ .]\d)|(?<![\w+]|\d[ .-])0\d{3,4}[ .-]\d{5,7}(?![\w-]|[ .]\d)|\+\d{8,15}(?!\d)|(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,5}\)|[ .-]\d{1,8}){2,6}(?![\w-]|[ .]\d)/g,
  prefilter: hasDigit,
  validate: (candidate) => {
    // Counted in place, not by a copy without the other characters: it runs on every candidate.
    let digits = 0;
    for (let i = 0; i < candidate.length; i++) if (isDigit(candidate.charCodeAt(i))) digits++;
    return candidate.startsWith('+') ? digits >= 8 && digits <= 15 : digits >= 10 && digits <= 12;
  },
  keep: (text, start) => !afterIdLabel(text, start),
});

/**
 * Whether an id label (`order #`, `Meeting ID`) ends right before `start`: looked for in at most 32 characters, a
 * bounded window per match, and only when the last character before the number that is not a space could end one
 * (a letter, `.`, `:` or `#`), so that numbers in a row (`+1 555 123 4567 +1 555 ...`) cost no search each.
 */
function afterIdLabel(text: string, start: number): boolean {
  const from = Math.max(0, start - 32);
  let last = start - 1;
  while (last >= from && isSpace(text.charCodeAt(last))) last--;
  if (last < from) return false;
  const code = text.charCodeAt(last);
  if (!(isLetter(code) || code === 46 || code === 58 || code === 35)) return false;
  return idLabel.test(text.slice(from, start));
}

const spaceChar = /\s/;

/** Whether `code` is a `\s` of regular expressions: ASCII blanks inline, the rest by the expression. */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return spaceChar.test(String.fromCharCode(code));
}

/**
 * Payment card numbers: 13 to 19 digits, each pair separated by at most one space or dash, not touching another
 * digit or dash, not all the same digit, passing the Luhn check. One pass over each run of digits.
 */
export const creditCardDetector: Detector = {
  name: 'credit_card',
  group: 'pii',
  linear: true,
  find: (text) => cards(text, false),
  test: (text) => cards(text, true).length > 0,
};

/** The card numbers in `text`, or only the first with `first` (a yes/no question needs no more). */
function cards(text: string, first: boolean): DetectorMatch[] {
  const matches: DetectorMatch[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A run of digits, each pair separated by at most one space or dash, read once (a regular expression retried
    // each run of fewer than 13 digits from each of its digits).
    const start = i;
    let digits = 1;
    let spaced = false;
    for (;;) {
      const next = text.charCodeAt(i + 1);
      if (isDigit(next)) i++;
      else if ((next === 32 || next === 45) && isDigit(text.charCodeAt(i + 2))) {
        spaced ||= next === 32;
        i += 2;
      } else break;
      digits++;
    }
    i++;
    // Numbers start and end only at the run's ends or next to a space: a run without spaces longer than the
    // longest card (19 digits, 18 dashes) holds none.
    if (digits < 13 || (i - start > 37 && !spaced)) continue;
    const precededByDash = start > 0 && text.charCodeAt(start - 1) === 45;
    findCards(text, start, i, precededByDash, first, matches);
    if (first && matches.length > 0) break;
  }
  return matches;
}

// The last digits of the run being read, by digit index modulo the ring's size (more than the 19 digits of the
// longest card and one prefix sum before it): where each is, the Luhn prefix sums before it, and where its run of
// one repeated digit starts. Shared: a scan is synchronous, so no two use them at once.
const RING = 32;
const MASK = RING - 1;
const ringPosition = new Int32Array(RING);
const ringEven = new Int32Array(RING);
const ringOdd = new Int32Array(RING);
const ringSameFrom = new Int32Array(RING);

/**
 * Adds to `out` the card numbers in the run of digits from `start` to `end`. Each number that may start at digit `s`
 * is judged once digit `s + 18` is read (or the run ends), from the ring: O(1) memory and a bounded step per digit.
 */
function findCards(
  text: string,
  start: number,
  end: number,
  precededByDash: boolean,
  first: boolean,
  out: DetectorMatch[],
): void {
  let count = 0;
  let even = 0;
  let odd = 0;
  // The first digit a number may start on: after the last number found.
  let floor = 0;
  ringEven[0] = 0;
  ringOdd[0] = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) continue;
    const k = count++;
    const d = code - 48;
    const doubled = d * 2 > 9 ? d * 2 - 9 : d * 2;
    // `even` sums digits 0..k doubling the odd indices, `odd` doubling the even ones.
    even += (k & 1) === 0 ? d : doubled;
    odd += (k & 1) === 0 ? doubled : d;
    ringPosition[k & MASK] = i;
    ringEven[(k + 1) & MASK] = even;
    ringOdd[(k + 1) & MASK] = odd;
    const previous = (k - 1) & MASK;
    ringSameFrom[k & MASK] =
      k > 0 && text.charCodeAt(ringPosition[previous] as number) === code ? (ringSameFrom[previous] as number) : k;
    if (k >= 18 && k - 18 >= floor) {
      floor = cardFrom(text, k - 18, k, end, precededByDash, floor, out);
      if (first && out.length > 0) return;
    }
  }
  for (let s = Math.max(floor, count - 18); s + 13 <= count; s++) {
    if (s < floor) continue;
    floor = cardFrom(text, s, count - 1, end, precededByDash, floor, out);
    if (first && out.length > 0) return;
  }
}

/**
 * Judges the number that starts at digit `s`, ending at the last digit up to `last` where a number may end: Luhn
 * from the prefix sums, not one repeated digit. Returns the next digit a number may start on.
 */
function cardFrom(
  text: string,
  s: number,
  last: number,
  runEnd: number,
  precededByDash: boolean,
  floor: number,
  out: DetectorMatch[],
): number {
  const from = ringPosition[s & MASK] as number;
  if (s === 0 ? precededByDash : text.charCodeAt(from - 1) !== 32) return floor;
  let e = last;
  while (e >= s + 12 && !cardCanEnd(text, ringPosition[e & MASK] as number, runEnd)) e--;
  if (e < s + 12) return floor;
  const sums = (e & 1) === 0 ? ringEven : ringOdd;
  const luhn = ((sums[(e + 1) & MASK] as number) - (sums[s & MASK] as number)) % 10 === 0;
  if (!luhn || (ringSameFrom[e & MASK] as number) <= s) return floor;
  out.push({ start: from, end: (ringPosition[e & MASK] as number) + 1 });
  return e + 1;
}

/** Whether a number may end on the digit at `at` of a run ending at `runEnd`: before a space, or at the run's end. */
function cardCanEnd(text: string, at: number, runEnd: number): boolean {
  const after = at + 1;
  if (after < runEnd) return text.charCodeAt(after) === 32;
  return after >= text.length || text.charCodeAt(after) !== 45;
}

/** US social security numbers written `AAA-GG-SSSS`, excluding never-issued areas, groups and serials. */
export const ssnDetector: Detector = {
  name: 'ssn',
  group: 'pii',
  linear: true,
  find: (text) => ssns(text, false),
  test: (text) => ssns(text, true).length > 0,
};

/** The social security numbers in `text`, or only the first with `first` (a yes/no question needs no more). */
function ssns(text: string, first: boolean): DetectorMatch[] {
  if (!text.includes('-')) return [];
  const matches: DetectorMatch[] = [];
  const regex = ssnShape;
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (ssnAt(text, m.index)) {
      matches.push({ start: m.index, end: m.index + 11 });
      if (first) break;
    } else regex.lastIndex = m.index + 1;
  }
  return matches;
}

// Fixed length, so each try costs at most 11 steps; the neighbours and the number ranges are checked in code.
const ssnShape = /\d{3}-\d{2}-\d{4}/g;

function ssnAt(text: string, start: number): boolean {
  const end = start + 11;
  const before = start > 0 ? text.charCodeAt(start - 1) : -1;
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if (isDigit(before) || before === 45 || isDigit(after) || after === 45) return false;
  const area = text.slice(start, start + 3);
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    text.slice(start + 4, start + 6) !== '00' &&
    text.slice(start + 7, end) !== '0000'
  );
}

// Bounded quantifiers and a single alternation whose branches differ at their first character: linear in V8.
const ibanCandidate = /\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b/gi;

/** IBANs, compact or in groups of four, passing the ISO 13616 mod-97 check. */
export const ibanDetector: Detector = {
  name: 'iban',
  group: 'pii',
  linear: true,
  find: (text) => ibans(text, false),
  test: (text) => ibans(text, true).length > 0,
};

/** The IBANs in `text`, or only the first with `first` (a yes/no question needs no more). */
function ibans(text: string, first: boolean): DetectorMatch[] {
  if (!hasDigit(text)) return [];
  const matches: DetectorMatch[] = [];
  const regex = ibanCandidate;
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    // The longest valid IBAN in the candidate: a trailing word of four letters can join the last group.
    const end = longestIban(text, m.index, m.index + m[0].length);
    if (end < 0) continue;
    matches.push({ start: m.index, end });
    if (first) break;
  }
  return matches;
}

/** Every PII detector. */
// Longer, checksummed formats first: redaction applies detectors in this order.
export const piiDetectors: Detector[] = [
  emailDetector,
  creditCardDetector,
  ibanDetector,
  ssnDetector,
  phoneDetector,
  nationalIdDetector,
  spelledEmailDetector,
];
