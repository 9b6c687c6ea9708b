/** The goal every labelled call set must meet under its policy, as one Jest suite (the corpus and the held-out set). */
import { loadCorpus, policyEngines, scoreCorpus, type CorpusCall } from './corpus';

/** The classes every set holds. */
export const corpusClasses = ['egress', 'payments', 'pii', 'secrets', 'shell', 'sql', 'tools'];

/**
 * Asserts per class: at least 95% of dangerous calls blocked, escalated or (PII) modified, at most 1% of benign
 * calls touched, under policies/recommended.yaml (or the call's own `policy`).
 * @param calls - a directory of .jsonl files, or the calls themselves
 * @param minCalls - the least number of calls the set must hold, a third of them benign
 */
export function goalSuite(title: string, calls: string | CorpusCall[], minCalls: number): void {
  const engineFor = policyEngines();

  describe(title, () => {
    const set = typeof calls === 'string' ? loadCorpus(calls) : calls;
    const scores = scoreCorpus(set, engineFor);

    test(`holds at least ${minCalls} calls, a third of them benign, in every class`, () => {
      expect(set.length).toBeGreaterThanOrEqual(minCalls);
      expect(set.filter((c) => c.label === 'benign').length).toBeGreaterThanOrEqual(set.length / 3);
      expect([...scores.keys()].sort()).toEqual(corpusClasses);
    });

    test.each(corpusClasses)(
      '%s: at least 95%% of dangerous calls caught, at most 1%% of benign calls touched',
      (name) => {
        const score = scores.get(name);
        expect(score).toBeDefined();
        if (!score) return;
        const report = {
          misses: score.misses.map((c) => `${c.tool} ${JSON.stringify(c.input)}`),
          falsePositives: score.falsePositives.map(
            (f) => `${f.call.tool} ${JSON.stringify(f.call.input)} -> ${f.action}: ${f.reason ?? ''}`,
          ),
        };
        // The lists of misses and false positives are part of the expectation so that a failure shows them.
        expect({ detectionMet: score.detectionRate >= 0.95, misses: report.misses }).toEqual({
          detectionMet: true,
          misses: report.misses,
        });
        expect({ falsePositivesMet: score.falsePositiveRate <= 0.01, touched: report.falsePositives }).toEqual({
          falsePositivesMet: true,
          touched: report.falsePositives,
        });
        expect(score.dangerous).toBeGreaterThan(0);
        expect(score.benign).toBeGreaterThan(0);
      },
    );
  });
}
