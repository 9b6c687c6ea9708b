import fc from 'fast-check';

import { ibanValid, longestIban } from '../../../src/policy/detectors/checksums';

// What the IBAN detector did before the one-pass check: the whole candidate, then each shorter one cut at its last
// space, the first valid one kept.
function longestByCopies(text: string, start: number, end: number): number {
  let candidate = text.slice(start, end);
  while (candidate.length > 0) {
    if (ibanValid(candidate)) return start + candidate.length;
    const cut = candidate.lastIndexOf(' ');
    if (cut < 0) return -1;
    candidate = candidate.slice(0, cut);
  }
  return -1;
}

describe('longestIban', () => {
  test.each([
    ['DE89 3704 0044 0532 0130 00', 27],
    // A trailing word of four letters joins the last group: the IBAN ends before it.
    ['DE89 3704 0044 0532 0130 00 ABCD', 27],
    ['GB82 WEST 1234 5698 7654 32 and', 27],
    ['gb82west12345698765432', 22],
    ['DE89 3704 0044 0532 0130 01', -1],
    ['DE89 3704', -1],
    ['', -1],
  ])('longestIban(%j) = %d', (text, end) => {
    expect(longestIban(text, 0, text.length)).toBe(end);
  });

  test('reads only from start to end of a longer text', () => {
    const text = 'iban: DE89 3704 0044 0532 0130 00, thanks';
    expect(longestIban(text, 6, 33)).toBe(33);
    expect(longestIban(text, 6, 32)).toBe(-1);
  });

  test('ends where the copy-per-candidate check ended, on generated candidates', () => {
    const pieces = ['DE89', 'GB82', 'WEST', '3704', '0044', '0532', '0130', '00', '1234', '5698', '7654', '32', 'ABCD'];
    const candidate = fc
      .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 12 })
      .chain((parts) => fc.constantFrom(parts.join(' '), parts.join(''), parts.join(' ').toLowerCase()));
    fc.assert(
      fc.property(candidate, fc.string({ maxLength: 3 }), (text, before) => {
        const padded = `${before}${text}`;
        expect(longestIban(padded, before.length, padded.length)).toBe(
          longestByCopies(padded, before.length, padded.length),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
