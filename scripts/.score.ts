import path from 'node:path';
import { PolicyEngine, loadPolicyFile } from '../src/policy';
import { loadCorpus, scoreCorpus, type CorpusCall } from '../test/corpus/corpus';
const engines = new Map<string, PolicyEngine>();
const scores = scoreCorpus(loadCorpus(), (call: CorpusCall) => {
  const file = call.policy ?? 'policies/recommended.yaml';
  if (!engines.has(file)) engines.set(file, new PolicyEngine([loadPolicyFile(path.resolve(file))]));
  return engines.get(file)!;
});
for (const [name, s] of scores) {
  console.log(name, s.dangerous, s.benign, (s.detectionRate * 100).toFixed(1), (s.falsePositiveRate * 100).toFixed(1));
  for (const m of s.misses) console.log('  MISS', m.tool, JSON.stringify(m.input));
  for (const f of s.falsePositives) console.log('  FP', f.call.tool, JSON.stringify(f.call.input), f.action, f.reason?.slice(0, 150));
}
