/**
 * Prints per-class detection and false-positive rates of a labelled call set (a .jsonl file or a directory of
 * them) under policies/recommended.yaml (or each call's own `policy`), with the misses and the benign calls
 * touched. Usage: npx tsx test/corpus/score.ts test/corpus/held-out/round-3.jsonl
 */
import { statSync } from 'node:fs';

import { loadCorpus, loadCorpusFile, policyEngines, scoreCorpus } from './corpus';

const target = process.argv[2];
if (!target) throw new Error('usage: score-corpus <file.jsonl | directory>');
const calls = statSync(target).isDirectory() ? loadCorpus(target) : loadCorpusFile(target);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const scores = [...scoreCorpus(calls, policyEngines())].sort(([a], [b]) => a.localeCompare(b));
console.log('| class | dangerous | benign | detected | benign touched |');
for (const [name, s] of scores) {
  console.log(
    `| ${name} | ${s.dangerous} | ${s.benign} | ${s.caught}/${s.dangerous} (${pct(s.detectionRate)}) | ${s.touched}/${s.benign} (${pct(s.falsePositiveRate)}) |`,
  );
}
if (process.argv.includes('--list')) {
  for (const [name, s] of scores) {
    for (const c of s.misses) console.log(`MISS ${name}: ${c.tool} ${JSON.stringify(c.input)}`);
    for (const f of s.falsePositives)
      console.log(`FP   ${name}: ${f.call.tool} ${JSON.stringify(f.call.input)} -> ${f.action}: ${f.reason ?? ''}`);
  }
}
