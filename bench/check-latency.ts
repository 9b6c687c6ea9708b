/**
 * Latency of an allowed `check()` (one update-with-start request) against the bare floor: a trivial workflow in
 * the same worker, started and awaited with `client.workflow.execute` (a start, then the result's long poll).
 * Sequential calls, the kinds interleaved so that all see the same load; p50 and p99 printed as ratios. The
 * previous check() (a plain start, then the `policyDecision` update) runs beside them for comparison.
 *
 *   BENCH_ONLY=check npm run bench        (BENCH_CHECK_N calls of each kind, default 300)
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { GuardClient } from '../src/client';
import { policyDecisionUpdate } from '../src/workflows/definitions';
import { join } from 'node:path';
import { PolicyEngine } from '../src/policy';
import { benchStack } from './bench-stack';
import { breakdownLine, latencyBreakdown, type Breakdown } from './latency-breakdown';
import { formatLoad } from './load-average';

type Sample = { workflowId: string; clientMs: number };

export interface CheckLatencyFigures {
  calls: number;
  check: { p50: number; p99: number };
  bare: { p50: number; p99: number };
  /** The previous check(): a start, then the `policyDecision` update (two requests). */
  twoRequests: { p50: number; p99: number };
  /** Where the time goes, from the server's event times (every tenth call of each kind). */
  breakdown: { check: Breakdown; bare: Breakdown; twoRequests: Breakdown };
  loadAverage: number[];
}

// The shipped example policy, static rules only: its decision runs in the call's first workflow task (a local
// activity), as for every policy without LLM-judge or remote rules. A small refund is allowed by it.
const decider = PolicyEngine.fromFiles([join(__dirname, '..', 'policies', 'example.yaml')]);
const TOOL = 'process_refund';
const INPUT = { amount: 20, orderId: 'A-1' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Runs `fn`, keeps its latency, and every tenth call's workflow for the breakdown. */
async function timed(fn: () => Promise<string>, ms: number[], sampled: Sample[]): Promise<void> {
  const started = performance.now();
  const workflowId = await fn();
  const clientMs = performance.now() - started;
  if (ms.length % 10 === 0) sampled.push({ workflowId, clientMs });
  ms.push(clientMs);
}

/** Runs the bench; `log` gets the figures line. */
export async function benchCheckLatency(
  calls = Number(process.env.BENCH_CHECK_N ?? 300),
  log = (line: string) => console.log(line),
): Promise<CheckLatencyFigures> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows/check-latency'),
    logger: new DefaultLogger('WARN'),
  });
  const stack = await benchStack({ name: 'check-latency', decider, worker: { workflowBundle: bundle } });
  const guard = new GuardClient({ client: stack.client, taskQueue: stack.taskQueue });
  // Each kind names the workflow it ran, for the breakdown read from the histories afterwards.
  const check = async () => (await guard.check(TOOL, INPUT)).escalationId ?? '';
  const bare = async () => {
    const workflowId = `bare-${randomUUID()}`;
    await stack.client.workflow.execute('bareCall', { args: [{ tool: TOOL }], workflowId, taskQueue: stack.taskQueue });
    return workflowId;
  };
  const twoRequests = async () => {
    const handle = await stack.client.workflow.start('guardedCall', {
      args: [{ tool: TOOL, input: INPUT }],
      workflowId: `two-${randomUUID()}`,
      taskQueue: stack.taskQueue,
    });
    // A decision-only call can close before the update reaches it: its result is then the answer.
    await handle.executeUpdate(policyDecisionUpdate, { args: [] }).catch(() => handle.result());
    return handle.workflowId;
  };
  try {
    const first = await guard.check(TOOL, INPUT);
    if (first.action !== 'allow')
      throw new Error(`the bench's call must be allowed, got ${first.action}: ${first.reason}`);
    for (let i = 0; i < 20; i++) {
      await check();
      await bare();
      await twoRequests();
    }
    const checkMs: number[] = [];
    const bareMs: number[] = [];
    const twoMs: number[] = [];
    const sampled = { check: [] as Sample[], bare: [] as Sample[], two: [] as Sample[] };
    for (let i = 0; i < calls; i++) {
      await timed(check, checkMs, sampled.check);
      await timed(bare, bareMs, sampled.bare);
      await timed(twoRequests, twoMs, sampled.two);
    }
    const breakdown = {
      check: await latencyBreakdown(stack.client, sampled.check),
      bare: await latencyBreakdown(stack.client, sampled.bare),
      twoRequests: await latencyBreakdown(stack.client, sampled.two),
    };
    const figures = {
      calls,
      check: summary(checkMs),
      bare: summary(bareMs),
      twoRequests: summary(twoMs),
      breakdown,
      loadAverage: loadavg(),
    };
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    log(
      `allowed check(): p50 ${figures.check.p50.toFixed(1)} ms, p99 ${figures.check.p99.toFixed(1)} ms; bare start-and-result: ` +
        `p50 ${figures.bare.p50.toFixed(1)} ms, p99 ${figures.bare.p99.toFixed(1)} ms; ratio p50 ` +
        `${ratio(figures.check.p50, figures.bare.p50)}x (goal <= 0.50), p99 ${ratio(figures.check.p99, figures.bare.p99)}x ` +
        `(goal <= 1.00); previous check() (start, then update): p50 ${figures.twoRequests.p50.toFixed(1)} ms, ` +
        `p99 ${figures.twoRequests.p99.toFixed(1)} ms; ${calls} sequential calls each, interleaved; load average ` +
        formatLoad(figures.loadAverage),
    );
    log(breakdownLine('  check()', breakdown.check));
    log(breakdownLine('  bare', breakdown.bare));
    log(breakdownLine('  start, then update', breakdown.twoRequests));
    return figures;
  } finally {
    await stack.stop();
  }
}
