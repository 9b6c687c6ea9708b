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
import type { Decider } from '../src/policy/types';
import { benchStack } from './bench-stack';

export interface CheckLatencyFigures {
  calls: number;
  check: { p50: number; p99: number };
  bare: { p50: number; p99: number };
  /** The previous check(): a start, then the `policyDecision` update (two requests). */
  twoRequests: { p50: number; p99: number };
  loadAverage: number[];
}

const decider: Decider = { decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'bench' }) };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
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
  const check = () => guard.check('read_file', { path: '/etc/hosts' });
  const bare = () =>
    stack.client.workflow.execute('bareCall', {
      args: [{ tool: 'read_file' }],
      workflowId: `bare-${randomUUID()}`,
      taskQueue: stack.taskQueue,
    });
  const twoRequests = async () => {
    const handle = await stack.client.workflow.start('guardedCall', {
      args: [{ tool: 'read_file', input: { path: '/etc/hosts' } }],
      workflowId: `two-${randomUUID()}`,
      taskQueue: stack.taskQueue,
    });
    return handle.executeUpdate(policyDecisionUpdate, { args: [] });
  };
  try {
    for (let i = 0; i < 20; i++) {
      await check();
      await bare();
      await twoRequests();
    }
    const checkMs: number[] = [];
    const bareMs: number[] = [];
    const twoMs: number[] = [];
    for (let i = 0; i < calls; i++) {
      checkMs.push(await timed(check));
      bareMs.push(await timed(bare));
      twoMs.push(await timed(twoRequests));
    }
    const figures = {
      calls,
      check: summary(checkMs),
      bare: summary(bareMs),
      twoRequests: summary(twoMs),
      loadAverage: loadavg(),
    };
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    log(
      `allowed check(): p50 ${figures.check.p50.toFixed(1)} ms, p99 ${figures.check.p99.toFixed(1)} ms; bare start-and-result: ` +
        `p50 ${figures.bare.p50.toFixed(1)} ms, p99 ${figures.bare.p99.toFixed(1)} ms; ratio p50 ` +
        `${ratio(figures.check.p50, figures.bare.p50)}x (goal <= 0.50), p99 ${ratio(figures.check.p99, figures.bare.p99)}x ` +
        `(goal <= 1.00); previous check() (start, then update): p50 ${figures.twoRequests.p50.toFixed(1)} ms, ` +
        `p99 ${figures.twoRequests.p99.toFixed(1)} ms; ${calls} sequential calls each, interleaved; load average ` +
        figures.loadAverage.map((l) => l.toFixed(1)).join(' '),
    );
    return figures;
  } finally {
    await stack.stop();
  }
}
