/**
 * Detector figures: decisions per second of policies/recommended.yaml on the labelled corpus
 * (test/corpus/*.jsonl), per class and for the whole mix, each on one core (this process), plus the slowest
 * single decision seen. Rates are per second of this process's CPU time (wall-time rates are printed too): on a
 * shared machine wall time measures the neighbours. Run alone with `npx tsx bench/detectors.ts`.
 */

import type { PolicyEngine } from '../src/policy';
import type { ToolCall } from '../src/policy';
import { setVerdictMemoSize } from '../src/policy/detectors/verdict-memo';
import { loadCorpus, policyEngines } from '../test/corpus/corpus';
import type { BenchResult } from './bench-result';

/** Decisions per second we aim for on the whole mix, on one core. */
export const detectorMixGoal = 200_000;

interface Measured {
  /** Decisions per second of this process's CPU time (one core): steadier than wall time on a shared machine. */
  opsPerCpuSec: number;
  opsPerSec: number;
  operations: number;
  seconds: number;
  slowestMs: number;
}

function measure(calls: { engine: PolicyEngine; call: ToolCall }[], seconds: number): Measured {
  const now = new Date();
  let sink = 0;
  for (let i = 0; i < Math.min(20_000, calls.length * 50); i++) {
    const { engine, call } = calls[i % calls.length] as { engine: PolicyEngine; call: ToolCall };
    sink += engine.decideStatic(call, now).rulesTriggered.length;
  }
  let slowest = 0;
  for (const { engine, call } of calls) {
    const start = process.hrtime.bigint();
    engine.decideStatic(call, now);
    slowest = Math.max(slowest, Number(process.hrtime.bigint() - start) / 1e6);
  }
  let operations = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let elapsed = 0;
  const batch = Math.max(calls.length, 1000);
  while (elapsed < seconds) {
    for (let i = 0; i < batch; i++) {
      const { engine, call } = calls[i % calls.length] as { engine: PolicyEngine; call: ToolCall };
      sink += engine.decideStatic(call, now).rulesTriggered.length;
    }
    operations += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const cpu = process.cpuUsage(cpuStart);
  if (sink < 0) throw new Error('unreachable');
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    opsPerCpuSec: operations / cpuSeconds,
    opsPerSec: operations / elapsed,
    operations,
    seconds: cpuSeconds,
    slowestMs: slowest,
  };
}

/** Per-class and whole-mix decision rates on the corpus, against the 200,000/s goal for the mix. */
export function benchDetectors(seconds = 1): { results: BenchResult[]; slowest: string[] } {
  const engineFor = policyEngines();
  const corpus = loadCorpus();
  const prepared = corpus.map((call) => ({
    engine: engineFor(call),
    call: { tool: call.tool, input: call.input },
    cls: call.class,
  }));
  const results: BenchResult[] = [];
  const slowest: string[] = [];
  const classes = [...new Set(corpus.map((c) => c.class))].sort();
  // Cold: no verdict memo, every shell command and SQL string is parsed on every decision.
  setVerdictMemoSize(0);
  for (const cls of classes) {
    const calls = prepared.filter((p) => p.cls === cls);
    const m = measure(calls, seconds);
    results.push({
      name: `detectors: ${cls} (${calls.length} corpus calls)`,
      opsPerSec: m.opsPerCpuSec,
      goal: detectorMixGoal,
      ratio: m.opsPerCpuSec / detectorMixGoal,
      operations: m.operations,
      seconds: m.seconds,
    });
    slowest.push(
      `${cls}: slowest single decision ${m.slowestMs.toFixed(2)} ms, ${Math.round(m.opsPerSec).toLocaleString('en-US')}/s of wall time`,
    );
  }
  const mixResult = (label: string, m: Measured): BenchResult => ({
    name: `detectors: whole corpus mix (${prepared.length} calls, ${label})`,
    opsPerSec: m.opsPerCpuSec,
    goal: detectorMixGoal,
    ratio: m.opsPerCpuSec / detectorMixGoal,
    operations: m.operations,
    seconds: m.seconds,
  });
  const cold = measure(prepared, seconds * 2);
  results.push(mixResult('cold, no memo', cold));
  // Warm: the default memo of 1024 verdicts holds every corpus string, so this is the rate for repeated calls.
  setVerdictMemoSize(1024);
  const warm = measure(prepared, seconds * 2);
  results.push(mixResult('repeated strings, verdict memo', warm));
  slowest.push(
    `whole mix: ${Math.round(cold.opsPerSec).toLocaleString('en-US')}/s cold, ${Math.round(warm.opsPerSec).toLocaleString('en-US')}/s warm, of wall time`,
  );
  return { results, slowest };
}

if (require.main === module) {
  const { results, slowest } = benchDetectors();
  for (const r of results) {
    process.stdout.write(
      `${r.name}: ${Math.round(r.opsPerSec).toLocaleString('en-US')}/s (goal ${r.goal.toLocaleString('en-US')}/s for the mix, ratio ${r.ratio.toFixed(2)}x)\n`,
    );
  }
  process.stdout.write(slowest.join('\n') + '\n');
}
