import type { Detector, DetectorMatch } from './detector';
import { regexDetector } from './detector';

/*
 * Personal data that the format detectors of pii.ts leave out because its shape alone says too little: national
 * identity numbers written after their label (`SSN 536904399`, `NI number QQ 12 34 56 C`) and e-mail addresses
 * spelled out to dodge filters (`jane dot doe at gmail dot com`). Bounded quantifiers and a pre-filter on the
 * label words: linear in the text.
 */

/** A 9-digit US social security number after its label, without the dashes (`SSN: 536 90 4399`, `SS# 536904399`). */
const labelledSsn =
  /\b(?:ssn|ss#|social security(?: number| no\.?| #)?)\s{0,3}(?:is\s{1,3}|[:#]\s{0,3})?(\d{3}[ .]?\d{2}[ .]?\d{4})(?!\d)/gi;
/** A UK National Insurance number: two letters, three pairs of digits, a letter A to D, spaced or not. */
const nino = /\b([A-Z]{2})\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b/g;
const ninoLabel = /\b(?:ni|nino|national insurance)(?:\s{1,3}(?:number|no\.?|#))?\s{0,3}[:#]?\s{0,3}$/i;
// Prefixes HMRC never allocates: a first letter D, F, I, Q, U or V, a second O, and BG, GB, KN, NK, NT, TN, ZZ.
const unallocated = /^(?:[DFIQUV].|.[DFIOQUV]|BG|GB|KN|NK|NT|TN|ZZ)$/;

/**
 * National identity numbers: a US social security number after its label without dashes (the dashed form is
 * pii.ts's `ssn`), and a UK National Insurance number, with an allocated prefix or after its label (HMRC's
 * documented `QQ 12 34 56 C` is what people test with, as AWS's example keys are).
 */
export const nationalIdDetector: Detector = {
  name: 'national_id',
  group: 'pii',
  linear: true,
  find(text) {
    const matches: DetectorMatch[] = [];
    if (/ss|social/i.test(text)) {
      labelledSsn.lastIndex = 0;
      for (let m = labelledSsn.exec(text); m !== null; m = labelledSsn.exec(text)) {
        const digits = (m[1] as string).replace(/\D/g, '');
        if (/^(?:000|666|9)/.test(digits) || digits.slice(3, 5) === '00' || digits.slice(5) === '0000') continue;
        matches.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    nino.lastIndex = 0;
    for (let m = nino.exec(text); m !== null; m = nino.exec(text)) {
      const labelled = ninoLabel.test(text.slice(Math.max(0, m.index - 32), m.index));
      // Unlabelled, only the spaced form with an allocated prefix: compact letter-digit codes are too often part numbers.
      const spaced = m[0].includes(' ');
      if (labelled || (spaced && !unallocated.test(m[1] as string)))
        matches.push({ start: m.index, end: m.index + m[0].length });
    }
    return matches
      .sort((a, b) => a.start - b.start)
      .filter((m, i, all) => i === 0 || m.start >= (all[i - 1] as DetectorMatch).end);
  },
  test(text) {
    return this.find(text).length > 0;
  },
};

/**
 * E-mail addresses spelled out: `jane dot doe at gmail dot com`, `jane(at)example(dot)org`, `x [at] y [dot] io`;
 * the last label must be a common top-level domain, so prose (`look at the dot matrix`) is not an address.
 */
export const spelledEmailDetector: Detector = regexDetector({
  name: 'spelled_email',
  group: 'pii',
  linear: true,
  pattern:
    /\b[A-Za-z0-9_%+-]{1,64}(?:\s{1,3}(?:dot|\(dot\)|\[dot\])\s{1,3}[A-Za-z0-9_%+-]{1,64}){0,4}\s{0,3}(?:\s(?:at)\s|\(at\)|\[at\])\s{0,3}[A-Za-z0-9-]{1,63}(?:\s{0,3}(?:\s(?:dot)\s|\(dot\)|\[dot\])\s{0,3}[A-Za-z0-9-]{1,63}){0,2}\s{0,3}(?:\s(?:dot)\s|\(dot\)|\[dot\])\s{0,3}(?:com|org|net|edu|gov|mil|int|io|me|co|ai|app|dev|info|biz|us|uk|eu|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|ru|cn|jp|kr|in|br|mx|ar|au|nz|ca|za)\b/gi,
  prefilter: (text) => /\bat\b|\(at\)|\[at\]/i.test(text) && /\bdot\b|\(dot\)|\[dot\]/i.test(text),
});
