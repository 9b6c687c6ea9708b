/**
 * Audit export figures: N final decisions (default 1,000; allow, block, modify, approved, denied and timed-out
 * escalations, with signed receipts) made on a private dev server, then exported as JSON Lines with receipt
 * verification, at N/5 and at N: decisions per second and the heap growth (peak heapUsed during the export minus
 * heapUsed at its start). Constant memory shows as the same growth at N/5 and N.
 *
 *   BENCH_ONLY=audit npm run bench        (N from BENCH_AUDIT_N, default 1000)
 *   npx tsx bench/audit.ts [N]
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { auditQuery } from '../src/audit/audit-query';
import { exportAudit } from '../src/audit/export-audit';
import { loadReceiptKeys } from '../src/receipts/receipt-keys';
import { auditDecider, auditPlan, recordDecisions } from './audit-decisions';
import { benchStack } from './bench-stack';
import { measured } from './measured';
import { formatLoad } from './load-average';

export interface AuditExportRun {
  decisions: number;
  bytes: number;
  seconds: number;
  decisionsPerSecond: number;
  heapGrowthMb: number;
  /** Peak live heap (heapUsed right after a full GC, every 200 ms) minus the live heap at the start; needs --expose-gc. */
  liveHeapGrowthMb?: number;
  peakRssMb: number;
}

export interface AuditBenchFigures {
  decisions: number;
  recordSeconds: number;
  runs: AuditExportRun[];
  loadAverage: number[];
}

/** The most the live heap grew while `fn` ran: a full GC then heapUsed every 200 ms (a separate, slower run). */
async function liveHeapGrowth(fn: () => Promise<unknown>): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 200);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return (peak - base) / 2 ** 20;
}

/** Counts what is written and keeps nothing. */
function discard(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.bytes += chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

export async function benchAudit(
  log: (line: string) => void = () => undefined,
  decisions = 1000,
): Promise<AuditBenchFigures> {
  const receiptKeys = loadReceiptKeys({
    DURABLE_GUARD_RECEIPT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  }) as NonNullable<ReturnType<typeof loadReceiptKeys>>;
  const stack = await benchStack({ name: 'audit', decider: auditDecider, worker: { receipts: receiptKeys } });
  try {
    const plan = auditPlan(decisions, `bench-audit-${Date.now()}`, ['bench-a', 'bench-b']);
    let shown = 0;
    const progress = (line: string) => {
      const done = Number(line.split('/')[0]);
      if (done < shown) return;
      log(line.slice(0, line.indexOf(':')));
      shown = done + decisions / 10;
    };
    const recording = await measured(() => recordDecisions(stack.client, stack.taskQueue, plan, { log: progress }));
    log(`${decisions} decisions recorded in ${recording.seconds.toFixed(1)} s`);
    const query = auditQuery({ taskQueue: stack.taskQueue });
    const runs: AuditExportRun[] = [];
    for (const n of [Math.ceil(decisions / 5), decisions]) {
      const sink = discard();
      const run = await measured(() => exportAudit(stack.client, query, sink, { limit: n, receiptKeys }));
      const live = await liveHeapGrowth(() => exportAudit(stack.client, query, discard(), { limit: n, receiptKeys }));
      const figure = {
        ...(live !== undefined ? { liveHeapGrowthMb: live } : {}),
        decisions: run.value,
        bytes: sink.bytes,
        seconds: run.seconds,
        decisionsPerSecond: run.value / run.seconds,
        heapGrowthMb: run.peakHeapMb - run.baseHeapMb,
        peakRssMb: run.peakRssMb,
      };
      log(
        `exported ${figure.decisions} (${(figure.bytes / 2 ** 20).toFixed(1)} MB): ${figure.decisionsPerSecond.toFixed(0)}/s, ` +
          `heap growth ${figure.heapGrowthMb.toFixed(1)} MB, live heap growth ${figure.liveHeapGrowthMb?.toFixed(1) ?? '-'} MB`,
      );
      runs.push(figure);
    }
    return { decisions, recordSeconds: recording.seconds, runs, loadAverage: loadavg() };
  } finally {
    await stack.stop();
  }
}

/** The lines `npm run bench` prints. */
export function auditLines(f: AuditBenchFigures): string[] {
  return [
    `audit export: ${f.decisions} decisions recorded in ${f.recordSeconds.toFixed(1)} s`,
    ...f.runs.map(
      (r) =>
        `audit export of ${r.decisions} decisions: ${r.decisionsPerSecond.toFixed(0)} decisions/s, ${r.seconds.toFixed(1)} s, ` +
        `${(r.bytes / 2 ** 20).toFixed(1)} MB written, heap growth ${r.heapGrowthMb.toFixed(1)} MB (live, after GC: ` +
        `${r.liveHeapGrowthMb?.toFixed(1) ?? 'run with NODE_OPTIONS=--expose-gc'} MB), peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    ),
    `load average ${formatLoad(f.loadAverage)}`,
  ];
}

if (require.main === module) {
  benchAudit((line) => process.stderr.write(`audit: ${line}\n`), Number(process.argv[2] ?? 1000))
    .then((f) => console.log(auditLines(f).join('\n')))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
