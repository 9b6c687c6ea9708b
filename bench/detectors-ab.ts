/**
 * Before/after of the detector figures in one process, interleaved so that a loaded machine slows both alike:
 * `npx tsx bench/detectors-ab.ts /path/to/other/checkout` decides the corpus with the other checkout's engine
 * and with this one's, cold (verdict memos off in both) and with the memo (on in both), a few rounds
 * (`AB_ROUNDS`, default 3) of `AB_SECONDS` CPU seconds each (default 0.5), per class, rates per CPU second. The
 * ratios are the medians of each round's ratio, so a slow moment of the machine counts in one round only.
 */
import path from 'node:path';

import { loadCorpus } from '../test/corpus/corpus';
import { setVerdictMemoSize } from '../src/policy/detectors/verdict-memo';

interface Engine {
  decideStatic(call: { tool: string; input: unknown }, now: Date): { rulesTriggered: unknown[] };
}
type Loader = (file: string) => Engine;

/* eslint-disable @typescript-eslint/no-require-imports */
function memoSizeFrom(root: string): (entries: number) => void {
  return (require(path.join(root, 'src/policy/detectors/verdict-memo')) as { setVerdictMemoSize: (n: number) => void })
    .setVerdictMemoSize;
}

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
const seconds = Number(process.env.AB_SECONDS ?? 0.5);
const otherMemo = memoSizeFrom(other);
const figures = new Map<string, { coldBefore: number[]; cold: number[]; warmBefore: number[]; warm: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const cls of classes) {
    const pick = <T extends { cls: string }>(list: T[]) => (cls === 'mix' ? list : list.filter((c) => c.cls === cls));
    const f = figures.get(cls) ?? { coldBefore: [], cold: [], warmBefore: [], warm: [] };
    figures.set(cls, f);
    // Which side goes first alternates: the garbage one side leaves is collected while the next one runs.
    const pair = (a: () => void, b: () => void) => (round % 2 === 0 ? (a(), b()) : (b(), a()));
    setVerdictMemoSize(0);
    otherMemo(0);
    pair(
      () => f.coldBefore.push(rate(pick(before), seconds)),
      () => f.cold.push(rate(pick(after), seconds)),
    );
    setVerdictMemoSize(1024);
    otherMemo(1024);
    pair(
      () => f.warmBefore.push(rate(pick(before), seconds)),
      () => f.warm.push(rate(pick(after), seconds)),
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ratio = (after: number[], before: number[]) => median(after.map((a, i) => a / (before[i] as number)));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
process.stdout.write('class | before, cold /s | after, cold /s | ratio | before, memo /s | after, memo /s | ratio\n');
for (const [cls, f] of figures) {
  process.stdout.write(
    `${cls} | ${fmt(median(f.coldBefore))} | ${fmt(median(f.cold))} | ${ratio(f.cold, f.coldBefore).toFixed(2)}x | ` +
      `${fmt(median(f.warmBefore))} | ${fmt(median(f.warm))} | ${ratio(f.warm, f.warmBefore).toFixed(2)}x\n`,
  );
}
