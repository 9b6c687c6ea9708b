/**
 * Profile target for the detector figures: decides the whole corpus mix in a loop for a few CPU seconds, so that
 * `node --cpu-prof --import tsx bench/detectors-profile.ts` (PROFILE_MEMO=0 for cold decisions) shows where the time
 * of bench/detectors.ts goes.
 */
import path from 'node:path';

import { PolicyEngine, loadPolicyFile } from '../src/policy';
import { setVerdictMemoSize } from '../src/policy/detectors/verdict-memo';
import { loadCorpus } from '../test/corpus/corpus';

const root = path.join(__dirname, '..');
const engines = new Map<string, PolicyEngine>();
const calls = loadCorpus().map((c) => {
  const file = c.policy ?? 'policies/recommended.yaml';
  let engine = engines.get(file);
  if (!engine) engines.set(file, (engine = new PolicyEngine([loadPolicyFile(path.join(root, file))])));
  return { engine, call: { tool: c.tool, input: c.input } };
});
setVerdictMemoSize(Number(process.env.PROFILE_MEMO ?? 1024));
const seconds = Number(process.env.PROFILE_SECONDS ?? 4);
const now = new Date();
const start = process.cpuUsage();
let ops = 0;
for (;;) {
  for (const { engine, call } of calls) engine.decideStatic(call, now);
  ops += calls.length;
  const used = process.cpuUsage(start);
  if ((used.user + used.system) / 1e6 > seconds) {
    process.stdout.write(`${Math.round(ops / ((used.user + used.system) / 1e6))}/s\n`);
    break;
  }
}
