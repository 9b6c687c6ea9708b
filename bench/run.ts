import { auditLines, benchAudit } from './audit';
import { benchBacktest } from './backtest';
import { benchBatch, type BatchBenchFigures } from './batch';
import { benchBatchPage, pageBenchLines } from './batch-page';
import { benchBulk, type BulkBenchFigures } from './bulk';
import { benchBareApprovals, type BareApprovalFigures } from './bulk-baseline';
import { benchCheckLatency } from './check-latency';
import { benchCluster, clusterTable } from './cluster';
import type { BenchResult } from './bench-result';
import { benchHostile } from './hostile-input';
import { benchDetectors } from './detectors';
import { benchPolicy } from './policy';
import { benchPythonClient } from './python-client';
import { formatLoad } from './load-average';

/** Goals of the batch benchmark: guarded calls per second end to end, worker RSS with N escalations pending. */
const BATCH_GOAL_PER_SECOND = 35;
const BATCH_GOAL_RSS_MB = 500;

function batchResult(f: BatchBenchFigures): BenchResult {
  return {
    name: `batch: guarded calls end to end (N = ${f.items})`,
    opsPerSec: f.itemsPerSecond,
    goal: BATCH_GOAL_PER_SECOND,
    ratio: f.itemsPerSecond / BATCH_GOAL_PER_SECOND,
    operations: f.items,
    seconds: f.seconds,
  };
}

/** Goal of the bulk benchmark: approvals per second from the bulk decision's start to the batch's result. */
const BULK_GOAL_PER_SECOND = 50;

function bulkResult(f: BulkBenchFigures): BenchResult {
  return {
    name: `bulk: one bulk decision approves a batch (N = ${f.escalations})`,
    opsPerSec: f.approvalsPerSecond,
    goal: BULK_GOAL_PER_SECOND,
    ratio: f.approvalsPerSecond / BULK_GOAL_PER_SECOND,
    operations: f.escalations,
    seconds: f.secondsToBatchResult,
  };
}

function bulkLines(f: BulkBenchFigures): string[] {
  return [
    `bulk: ${f.escalations} pending after ${f.secondsToAllPending.toFixed(1)} s (creation, not timed as approvals: ` +
      `${(f.escalations / f.secondsToAllPending).toFixed(1)}/s); batch result ${f.secondsToBatchResult.toFixed(1)} s ` +
      `after the bulk decision's start (its own result ${f.secondsToBulkResult.toFixed(1)} s, ${f.pages} pages, ${f.runs} runs); ` +
      `load average ${formatLoad(f.loadAverage)}`,
    `bulk: ${f.counts.decided} decided, ${f.lost} lost, ${f.doubled} doubled; worker RSS ${f.workerRssMbWithAllPending.toFixed(0)} MB ` +
      `with all pending, peak ${f.workerPeakRssMb.toFixed(0)} MB while approving`,
  ];
}

/** CPU per approval (worker, server) and approvals/s of ours against the bare-Temporal floor at the same N. */
function bulkFloorLines(f: BulkBenchFigures, bare: BareApprovalFigures): string[] {
  const ms = (seconds: number, n: number) => (seconds * 1000) / n;
  const oursWorker = ms(f.cpuApproving.worker, f.escalations);
  const oursServer = ms(f.cpuApproving.server, f.escalations);
  const bareWorker = ms(bare.cpuApproving.worker, bare.approvals);
  const bareServer = ms(bare.cpuApproving.server, bare.approvals);
  const line = (what: string, worker: number, server: number, perSecond: number, load: number[]) =>
    `${what}: CPU per approval ${worker.toFixed(1)} ms worker + ${server.toFixed(1)} ms server = ` +
    `${(worker + server).toFixed(1)} ms, ${perSecond.toFixed(1)} approvals/s, load average ${formatLoad(load)}`;
  return [
    line(`bulk (ours, N = ${f.escalations})`, oursWorker, oursServer, f.approvalsPerSecond, f.loadAverage),
    line(
      `bare-Temporal floor (N = ${bare.approvals}, ${bare.concurrency} updates in flight)`,
      bareWorker,
      bareServer,
      bare.approvalsPerSecond,
      bare.loadAverage,
    ),
    `ours / bare: CPU per approval ${((oursWorker + oursServer) / (bareWorker + bareServer)).toFixed(2)}x ` +
      `(worker ${(oursWorker / bareWorker).toFixed(2)}x, server ${(oursServer / bareServer).toFixed(2)}x), ` +
      `approvals/s ${(f.approvalsPerSecond / bare.approvalsPerSecond).toFixed(2)}x`,
  ];
}

/** Memory figures against the 500 MB goal; the ratio is goal / measured, so 1 or more meets it. */
function memoryLines(f: BatchBenchFigures): string[] {
  const line = (what: string, mb: number | undefined) =>
    mb === undefined
      ? `${what}: not measured`
      : `${what}: ${mb.toFixed(0)} MB (goal < ${BATCH_GOAL_RSS_MB} MB, ratio ${(BATCH_GOAL_RSS_MB / mb).toFixed(2)}x)`;
  return [
    line(`worker peak RSS, batch of ${f.items}`, f.workerPeakRssMb),
    line(`worker RSS with ${f.pending} escalations pending`, f.workerRssMbWithAllPending),
    line('worker peak RSS while approving them', f.workerPeakRssMbPendingRun),
    ...(f.secondsToApproveAll !== undefined
      ? [`${f.pending} approvals to the batch result: ${f.secondsToApproveAll.toFixed(1)} s`]
      : []),
  ];
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    Math.round(r.opsPerSec).toLocaleString('en-US'),
    r.goal.toLocaleString('en-US'),
    `${r.ratio.toFixed(2)}x`,
    `${r.operations.toLocaleString('en-US')} in ${r.seconds.toFixed(2)} s`,
  ]);
  const header = ['benchmark', 'ops/s', 'goal ops/s', 'ratio', 'measured'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/**
 * BENCH_ONLY=policy,detectors,hostile,batch runs only those (default: all); the batch benchmark takes minutes.
 * BENCH_ONLY=cluster (never by default) compares the PostgreSQL cluster with the dev server: about 10 minutes.
 * BENCH_ONLY=backtest (never by default) records BENCH_BACKTEST_N calls (10,000) and backtests them: minutes.
 * BENCH_ONLY=python runs the Python client's latency bench (it makes python/.venv first).
 * BENCH_ONLY=bulk (never by default) approves a batch's N pending escalations (BENCH_BULK_N, default 10,000) with
 * one bulk decision: making them pending alone takes minutes per 1,000 on the 2-core machine. Then the bare-Temporal
 * floor (bench/bulk-baseline.ts) at the same N and concurrency, and ours against it.
 * BENCH_ONLY=check (never by default): allowed check() p50/p99 against a bare start-and-result (BENCH_CHECK_N, 300).
 * BENCH_ONLY=batch-page (never by default) runs the bare-Temporal baseline, item mode and page mode at BENCH_PAGE_N
 * (10,000), and page mode again at BENCH_PAGE_BIG_N when set: minutes per 1,000 items of the first two.
 * BENCH_ONLY=audit (never by default) makes BENCH_AUDIT_N final decisions (1,000) with receipts and exports them.
 */
const only = new Set(
  (process.env.BENCH_ONLY ?? 'policy,detectors,hostile,batch').split(',').map((name) => name.trim()),
);

async function main(): Promise<void> {
  const results = only.has('policy') ? [...(await benchPolicy())] : [];
  const hostile = only.has('hostile')
    ? await benchHostile((line) => process.stderr.write(`hostile: ${line}\n`))
    : undefined;
  if (only.has('detectors')) {
    const detectors = benchDetectors();
    results.push(...detectors.results);
    process.stderr.write(`detectors: ${detectors.slowest.join('; ')}\n`);
  }
  // N from BENCH_BATCH_N (default 1000): a few minutes on the 2-core machine.
  const batch = only.has('batch')
    ? await benchBatch({ log: (line) => process.stderr.write(`batch: ${line}\n`) })
    : undefined;
  if (batch) results.push(batchResult(batch));
  const bulk = only.has('bulk')
    ? await benchBulk({ log: (line) => process.stderr.write(`bulk: ${line}\n`) })
    : undefined;
  if (bulk) results.push(bulkResult(bulk));
  // The floor at the same N and concurrency, after ours (each on its own dev server).
  const bare = bulk
    ? await benchBareApprovals(bulk.escalations, bulk.concurrency, (line) =>
        process.stderr.write(`bulk floor: ${line}\n`),
      )
    : undefined;
  if (results.length > 0) process.stdout.write(table(results) + '\n');
  if (batch) process.stdout.write(memoryLines(batch).join('\n') + '\n');
  if (bulk) process.stdout.write(bulkLines(bulk).join('\n') + '\n');
  if (bulk && bare) process.stdout.write(bulkFloorLines(bulk, bare).join('\n') + '\n');
  if (hostile) process.stdout.write(`\nhostile input\n${hostile.join('\n')}\n`);
  if (only.has('cluster')) {
    const rows = await benchCluster((line) => process.stderr.write(`cluster: ${line}\n`));
    process.stdout.write(`\n${clusterTable(rows)}\n`);
  }
  if (only.has('backtest')) {
    const f = await benchBacktest(
      (line) => process.stderr.write(`backtest: ${line}\n`),
      Number(process.env.BENCH_BACKTEST_N ?? 10_000),
    );
    const lines = f.runs.map(
      (r) =>
        `backtest of ${r.calls} recorded calls: ${r.callsPerSecond.toFixed(0)} calls/s (goal 1,000, ratio ${(r.callsPerSecond / 1000).toFixed(2)}x), ` +
        `${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB, peak heap ${r.peakHeapMb.toFixed(0)} MB, ` +
        `CPU per call: bench ${((r.benchCpuSeconds * 1000) / r.calls).toFixed(2)} ms, dev server ${((r.serverCpuSeconds * 1000) / r.calls).toFixed(2)} ms`,
    );
    process.stdout.write(`\n${lines.join('\n')}\nload average ${formatLoad(f.loadAverage)}\n`);
  }
  if (only.has('audit')) {
    const f = await benchAudit(
      (line) => process.stderr.write(`audit: ${line}\n`),
      Number(process.env.BENCH_AUDIT_N ?? 1000),
    );
    process.stdout.write(`\n${auditLines(f).join('\n')}\n`);
  }
  if (only.has('check')) {
    const lines: string[] = [];
    await benchCheckLatency(undefined, (line) => lines.push(line));
    process.stdout.write(`\ncheck latency\n${lines.join('\n')}\n`);
  }
  if (only.has('batch-page')) {
    const f = await benchBatchPage(undefined, undefined, (line) => process.stderr.write(`batch-page: ${line}\n`));
    process.stdout.write(`\nbatch modes against the bare-Temporal baseline\n${pageBenchLines(f).join('\n')}\n`);
  }
  if (only.has('python'))
    process.stdout.write(`\npython client, allow path\n${(await benchPythonClient()).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
