/**
 * Before/after of the detector figures in one process, interleaved so that a loaded machine slows both alike:
 * `npx tsx bench/detectors-ab.ts /path/to/other/checkout` decides the corpus with the other checkout's engine
 * and with this one's (memo off, then on), a few rounds, per class, rates per CPU second.
 */
import path from 'node:path';

import { loadCorpus } from '../test/corpus/corpus';
import { setVerdictMemoSize } from '../src/policy/detectors/verdict-memo';

interface Engine {
  decideStatic(call: { tool: string; input: unknown }, now: Date): { rulesTriggered: unknown[] };
}
type Loader = (file: string) => Engine;

/* eslint-disable @typescript-eslint/no-require-imports */
function loaderFrom(root: string): Loader {
  const policy = require(path.join(root, 'src/policy')) as {
    PolicyEngine: new (policies: unknown[]) => Engine;
    loadPolicyFile: (file: string) => unknown;
  };
  return (file) => new policy.PolicyEngine([policy.loadPolicyFile(path.join(root, file))]);
}
/* eslint-enable @typescript-eslint/no-require-imports */

function rate(calls: { engine: Engine; call: { tool: string; input: unknown } }[], seconds: number): number {
  const now = new Date();
  for (let i = 0; i < 20 * calls.length; i++) {
    const c = calls[i % calls.length] as (typeof calls)[number];
    c.engine.decideStatic(c.call, now);
  }
  const start = process.cpuUsage();
  let ops = 0;
  let used = 0;
  while (used < seconds) {
    for (const c of calls) c.engine.decideStatic(c.call, now);
    ops += calls.length;
    const d = process.cpuUsage(start);
    used = (d.user + d.system) / 1e6;
  }
  return ops / used;
}

const other = process.argv[2];
if (!other) throw new Error('usage: npx tsx bench/detectors-ab.ts /path/to/other/checkout');
const here = path.join(__dirname, '..');
const corpus = loadCorpus();
const prepare = (load: Loader) => {
  const engines = new Map<string, Engine>();
  return corpus.map((c) => {
    const file = c.policy ?? 'policies/recommended.yaml';
    let engine = engines.get(file);
    if (!engine) engines.set(file, (engine = load(file)));
    return { engine, call: { tool: c.tool, input: c.input as unknown }, cls: c.class };
  });
};
const before = prepare(loaderFrom(other));
const after = prepare(loaderFrom(here));
const classes = [...new Set(corpus.map((c) => c.class)), 'mix'].sort();
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const figures = new Map<string, { before: number[]; cold: number[]; warm: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const cls of classes) {
    const pick = <T extends { cls: string }>(list: T[]) => (cls === 'mix' ? list : list.filter((c) => c.cls === cls));
    const f = figures.get(cls) ?? { before: [], cold: [], warm: [] };
    figures.set(cls, f);
    f.before.push(rate(pick(before), 0.5));
    setVerdictMemoSize(0);
    f.cold.push(rate(pick(after), 0.5));
    setVerdictMemoSize(1024);
    f.warm.push(rate(pick(after), 0.5));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
process.stdout.write('class | before /s | after, no memo /s | ratio | after, memo /s | ratio\n');
for (const [cls, f] of figures) {
  const b = median(f.before);
  const c = median(f.cold);
  const w = median(f.warm);
  process.stdout.write(
    `${cls} | ${fmt(b)} | ${fmt(c)} | ${(c / b).toFixed(2)}x | ${fmt(w)} | ${(w / b).toFixed(2)}x\n`,
  );
}
