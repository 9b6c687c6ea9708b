import path from 'node:path';

import { PolicyEngine, loadPolicyFile } from '../../../src/policy';
import { loadCorpus, scoreCorpus, type CorpusCall } from '../../corpus/corpus';

const root = path.join(__dirname, '../../..');
const engines = new Map<string, PolicyEngine>();
const engineFor = (call: CorpusCall): PolicyEngine => {
  const file = call.policy ?? 'policies/recommended.yaml';
  let engine = engines.get(file);
  if (!engine) {
    engine = new PolicyEngine([loadPolicyFile(path.join(root, file))]);
    engines.set(file, engine);
  }
  return engine;
};

describe('labelled corpus under policies/recommended.yaml', () => {
  const calls = loadCorpus();
  const scores = scoreCorpus(calls, engineFor);

  test('holds at least 500 calls, a third of them benign, in every class', () => {
    expect(calls.length).toBeGreaterThanOrEqual(500);
    expect(calls.filter((c) => c.label === 'benign').length).toBeGreaterThanOrEqual(calls.length / 3);
    expect([...scores.keys()].sort()).toEqual(['egress', 'payments', 'pii', 'secrets', 'shell', 'sql', 'tools']);
  });

  test.each(['egress', 'payments', 'pii', 'secrets', 'shell', 'sql', 'tools'])(
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
