import fc from 'fast-check';

import { luhnValid } from '../../../src/policy/detectors/checksums';
import type { DetectorMatch } from '../../../src/policy/detectors/detector';
import { creditCardDetector } from '../../../src/policy/detectors/pii';

// The rule, spelt out slowly with a copy per candidate: in each run of digits (single spaces or dashes between
// them), from each digit after a space (or the run's first, unless a dash is before it) the longest number of 13 to
// 19 digits that ends before a space or at the run's end (unless a dash follows); kept when it passes Luhn and is
// not one repeated digit, and the search goes on after it.
function cardsByRule(text: string): DetectorMatch[] {
  const out: DetectorMatch[] = [];
  for (const run of text.matchAll(/\d(?:[ -]?\d){12,}/g)) {
    if (run[0].length > 37 && !run[0].includes(' ')) continue;
    const positions = [...run[0]].flatMap((c, i) => (c >= '0' && c <= '9' ? [run.index + i] : []));
    const runEnd = run.index + run[0].length;
    for (let s = 0; s + 13 <= positions.length; s++) {
      const first = positions[s] as number;
      if (s === 0 ? text[first - 1] === '-' : text[first - 1] !== ' ') continue;
      let e = Math.min(positions.length, s + 19) - 1;
      const canEnd = (k: number) => {
        const after = (positions[k] as number) + 1;
        return after < runEnd ? text[after] === ' ' : text[after] !== '-';
      };
      while (e >= s + 12 && !canEnd(e)) e--;
      if (e < s + 12) continue;
      const digits = positions
        .slice(s, e + 1)
        .map((p) => text[p])
        .join('');
      if (luhnValid(digits) && new Set(digits).size > 1) {
        out.push({ start: first, end: (positions[e] as number) + 1 });
        s = e;
      }
    }
  }
  return out;
}

describe('credit_card', () => {
  test('finds the numbers the rule finds, on generated runs of digits', () => {
    const pieces = [
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '5500 0000 0000 0004',
      '378282246310005',
      '4222222222222',
      '6011 1111 1111 1111 110',
    ];
    const text = fc
      .array(fc.constantFrom(...pieces, ' ', '-', '1', '0', '7', '11 ', '1-', 'x', '4012888888881881'), {
        maxLength: 30,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(creditCardDetector.find(t)).toEqual(cardsByRule(t));
      }),
      { numRuns: 3000 },
    );
  });

  test('finds every card in a long run of them', () => {
    const text = '4111 1111 1111 1111 '.repeat(1000);
    const matches = creditCardDetector.find(text);
    expect(matches).toHaveLength(1000);
    expect(matches[999]).toEqual({ start: 999 * 20, end: 999 * 20 + 19 });
  });
});
