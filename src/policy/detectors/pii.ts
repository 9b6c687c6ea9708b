import { ibanValid, luhnValid } from './checksums';
import type { Detector, DetectorMatch } from './detector';
import { regexDetector } from './detector';

const hasDigit = (text: string): boolean => /\d/.test(text);

/** Email addresses. */
export const emailDetector = regexDetector({
  name: 'email',
  group: 'pii',
  pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  prefilter: (text) => text.includes('@'),
});

/**
 * Phone numbers: international `+` numbers, or national numbers written with separators
 * (`(555) 123-4567`, `555-123-4567`, `030 1234 5678`). Bare digit runs are not phones: too many ids look alike.
 */
export const phoneDetector = regexDetector({
  name: 'phone',
  group: 'pii',
  pattern:
    /(?<![\w+]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-]|[ .]\d)|\+\d{8,15}(?!\d)/g,
  prefilter: hasDigit,
  validate: (candidate) => {
    const digits = candidate.replace(/\D/g, '').length;
    return candidate.startsWith('+') ? digits >= 8 && digits <= 15 : digits >= 10 && digits <= 12;
  },
});

/** Payment card numbers of 13 to 19 digits, optionally grouped with spaces or dashes, passing the Luhn check. */
export const creditCardDetector = regexDetector({
  name: 'credit_card',
  group: 'pii',
  pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  prefilter: hasDigit,
  validate: (candidate) => {
    const digits = candidate.replace(/\D/g, '');
    return digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && luhnValid(digits);
  },
});

/** US social security numbers written `AAA-GG-SSSS`, excluding never-issued areas, groups and serials. */
export const ssnDetector = regexDetector({
  name: 'ssn',
  group: 'pii',
  pattern: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g,
  prefilter: (text) => text.includes('-'),
  validate: (candidate) => {
    const [area, group, serial] = candidate.split('-') as [string, string, string];
    return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
  },
});

const ibanCandidate = /\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b/gi;

/** IBANs, compact or in groups of four, passing the ISO 13616 mod-97 check. */
export const ibanDetector: Detector = {
  name: 'iban',
  group: 'pii',
  find(text) {
    if (!hasDigit(text)) return [];
    const matches: DetectorMatch[] = [];
    const regex = ibanCandidate;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      // A trailing word of four letters can join the last group: retry with shorter candidates.
      let candidate = m[0];
      while (candidate.replace(/ /g, '').length >= 15) {
        if (ibanValid(candidate)) {
          matches.push({ start: m.index, end: m.index + candidate.length });
          break;
        }
        const cut = candidate.lastIndexOf(' ');
        if (cut < 0) break;
        candidate = candidate.slice(0, cut);
      }
    }
    return matches;
  },
  test(text) {
    return this.find(text).length > 0;
  },
};

/** Every PII detector. */
// Longer, checksummed formats first: redaction applies detectors in this order.
export const piiDetectors: Detector[] = [emailDetector, creditCardDetector, ibanDetector, ssnDetector, phoneDetector];
