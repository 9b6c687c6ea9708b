/**
 * Every registered detector against 1 MB adversarial strings. Jest's per-test timeout is the only clock here, as a
 * hang guard: the speed figures are bench/hostile-input.ts's. A detector marked `linear` is run on the whole
 * string; every detector is also run the way decisions run it (scanValue with a budget), which must end with
 * findings or the budget's error, never hang or throw anything else.
 */
import { adversarialStrings } from '../../../bench/adversarial';
import type { Detector, DetectorMatch } from '../../../src/policy';
import { DEFAULT_DECISION_LIMITS, DecisionBudgetError, findIn, scanValue } from '../../../src/policy';
import { DecisionBudget } from '../../../src/policy/budget';
import { regexDetector } from '../../../src/policy/detectors/detector';
import { piiDetectors } from '../../../src/policy/detectors/pii';
import { detectorsByName } from '../../../src/policy/detectors/registry';
import { SCAN_OVERLAP, SCAN_WINDOW } from '../../../src/policy/detectors/scan';

const MB = 1 << 20;
const strings = adversarialStrings(MB);
const detectors = [...detectorsByName.values()];
const HANG_GUARD_MS = 120_000;

function wellFormed(matches: DetectorMatch[], length: number): void {
  let cursor = 0;
  for (const match of matches) {
    expect(match.start).toBeGreaterThanOrEqual(cursor);
    expect(match.end).toBeGreaterThan(match.start);
    expect(match.end).toBeLessThanOrEqual(length);
    cursor = match.end;
  }
}

function realBudget(maxDecisionMs: number): DecisionBudget {
  const budget = new DecisionBudget({ ...DEFAULT_DECISION_LIMITS, maxDecisionMs }, () => performance.now());
  budget.resume();
  return budget;
}

test('every PII detector is marked linear', () => {
  expect(piiDetectors.filter((d) => d.linear !== true).map((d) => d.name)).toEqual([]);
});

describe.each(detectors.map((d): [string, Detector] => [d.name, d]))('detector %s', (_name, detector) => {
  test(
    'a decision scanning 1 MB adversarial strings ends with findings or the budget',
    () => {
      for (const { text } of strings) {
        const budget = realBudget(200);
        try {
          const findings = scanValue({ text }, [detector], 5, budget);
          for (const f of findings) expect(f).toEqual({ detector: detector.name, pointer: '/text' });
        } catch (error) {
          expect(error).toBeInstanceOf(DecisionBudgetError);
          expect(error).toMatchObject({ code: 'GUARD_DECISION_BUDGET', limit: 'maxDecisionMs' });
        }
      }
    },
    HANG_GUARD_MS,
  );
});

describe.each(detectors.filter((d) => d.linear).map((d): [string, Detector] => [d.name, d]))(
  'linear detector %s',
  (_name, detector) => {
    test(
      'find() and test() finish on every 1 MB adversarial string, whole, with well-formed matches',
      () => {
        for (const { text } of strings) {
          const matches = detector.find(text);
          wellFormed(matches, text.length);
          expect(detector.test(text)).toBe(matches.length > 0);
        }
      },
      HANG_GUARD_MS,
    );
  },
);

describe('windowed scans of detectors not marked linear', () => {
  const needle = regexDetector({ name: 'needle', group: 'test', pattern: /needle-\d+/g });

  test.each([
    ['at the start', 0],
    ['across the first window boundary', SCAN_WINDOW - 5],
    ['inside the overlap', SCAN_WINDOW - SCAN_OVERLAP + 3],
    ['at the very end', 100_000 - 10],
  ])('a short match %s is found once, at its place', (_, at) => {
    const text = 'x'.repeat(at) + 'needle-42' + 'x'.repeat(Math.max(0, 100_000 - at - 9));
    expect(findIn(text, needle)).toEqual([{ start: at, end: at + 9 }]);
    expect(scanValue({ text }, [needle])).toEqual([{ detector: 'needle', pointer: '/text' }]);
  });

  test('matches seen by two windows merge into one span', () => {
    const long = regexDetector({ name: 'long', group: 'test', pattern: /y+/g });
    const at = SCAN_WINDOW - 600;
    const text = 'x'.repeat(at) + 'y'.repeat(1200) + 'x'.repeat(20_000);
    expect(findIn(text, long)).toEqual([{ start: at, end: at + 1200 }]);
  });

  test('the clock is read between windows: a slow detector is cut off by maxDecisionMs', () => {
    let t = 0;
    const slow: Detector = {
      name: 'slow',
      group: 'test',
      find: () => [],
      test: () => {
        t += 30;
        return false;
      },
    };
    const budget = new DecisionBudget({ ...DEFAULT_DECISION_LIMITS, maxDecisionMs: 100 }, () => t);
    budget.resume();
    expect(() => scanValue({ text: 'z'.repeat(MB) }, [slow], 5, budget)).toThrow(
      /^decision budget exceeded: computed for 1\d\d ms of 100 ms allowed \(after scanning 1 MB\) \(limits\.maxDecisionMs\)$/,
    );
    expect(t).toBeLessThan(200);
  });
});
