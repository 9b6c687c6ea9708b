/**
 * One bulk decision over a whole batch: N refunds that all escalate under policies/example.yaml are made pending
 * (one batch), then one `bulkDecision` with `filter.batch` approves them. Measured from the bulk decision's start
 * to the batch's result; afterwards every escalation is checked (allowed, by the bench approver, with this bulk
 * decision's reason, its history holding exactly one accepted `decide` update), so none is lost or doubled.
 * The worker runs in its own process so its peak RSS is its own.
 *
 * The escalations are made pending through a page-mode batch (BENCH_BULK_MODE=item for item mode): creation is
 * reported apart and is not part of the approvals' time. CPU seconds of the worker, the dev server and this process
 * are reported for both phases. BENCH_BULK_CPU_PROF=DIR starts the worker with --cpu-prof into DIR (it is stopped
 * with SIGTERM, so the profile is written). BENCH_BULK_MAX_CACHED and BENCH_BULK_WORKER_TUNING (JSON) set the
 * worker's maxCachedWorkflows and further worker options.
 *
 *   BENCH_ONLY=bulk npm run bench        (N from BENCH_BULK_N, default 10000; e.g. BENCH_BULK_N=200 to iterate)
 *   npx tsx bench/bulk.ts [N]            env BENCH_BULK_PAGE_SIZE, BENCH_BULK_CONCURRENCY tune the workflow
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pLimit from 'p-limit';
import { request } from 'undici';
import { batchLines } from '../examples/batches/generate';
import { DEFAULT_BULK_CONCURRENCY } from '../src/activities/bulk-decide';
import { BatchClient } from '../src/client';
import { BulkDecisionClient, type BulkDecisionRequest } from '../src/client/bulk-decisions';
import { freePort, startDevServer } from '../src/server/dev-server';
import type { BulkDecisionProgress } from '../src/workflows/bulk-definitions';
import type { GuardResult } from '../src/workflows/definitions';
import { stopProcess } from '../src/lifecycle/stop-process';
import { cpuSeconds, rssMb, startBenchWorker, untilBatch } from './worker-process';
import { formatLoad } from './load-average';

export interface BulkBenchOptions {
  /** Escalations pending and approved. @default env BENCH_BULK_N, else 10000 */
  escalations?: number;
  /** Workflow tuning (escalations per page, updates in flight). @default the workflow's own defaults */
  tuning?: BulkDecisionRequest['tuning'];
  /** How the batch makes the escalations pending. @default env BENCH_BULK_MODE, else 'page' */
  mode?: 'item' | 'page';
  /** Writes the worker's CPU profile (--cpu-prof) into this directory. @default env BENCH_BULK_CPU_PROF */
  cpuProfileDir?: string;
  /** DG_* variables of the worker process (DG_MAX_CACHED, DG_WORKER_TUNING). */
  workerEnv?: Record<string, string>;
  log?: (line: string) => void;
}

/** CPU seconds (user + system) each process used in one phase. */
export interface CpuSplit {
  worker: number;
  server: number;
  bench: number;
}

export interface BulkBenchFigures {
  escalations: number;
  /** Updates in flight per page. */
  concurrency: number;
  secondsToAllPending: number;
  /** From the bulk decision's start to the batch's result. */
  secondsToBatchResult: number;
  /** From the bulk decision's start to its own result. */
  secondsToBulkResult: number;
  approvalsPerSecond: number;
  counts: BulkDecisionProgress['counts'];
  pages: number;
  runs: number;
  /** Escalations not allowed by this bulk decision, and those with other than one accepted update: both 0. */
  lost: number;
  doubled: number;
  /** Workflow tasks completed, and timed out, in the escalations' histories (creation and approval). */
  workflowTasks: number;
  workflowTaskTimeouts: number;
  workerPeakRssMb: number;
  workerRssMbWithAllPending: number;
  /** The worker's workflow cache while approving (the SDK's sticky-cache counters): tasks that found their run cached, and not. */
  cacheHits: number;
  cacheMisses: number;
  /** os.loadavg() when the escalations were all pending, and when the bulk decision finished. */
  loadAverageWithAllPending: number[];
  loadAverage: number[];
  mode: 'item' | 'page';
  cpuCreating: CpuSplit;
  cpuApproving: CpuSplit;
}

const cpuLine = (c: CpuSplit) =>
  `worker ${c.worker.toFixed(1)}, server ${c.server.toFixed(1)}, bench ${c.bench.toFixed(1)}`;

/** Default N: env BENCH_BULK_N, else 10000. */
export function defaultBulkN(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BENCH_BULK_N ?? '10000');
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BENCH_BULK_N must be a positive integer, got '${env.BENCH_BULK_N}'`);
  return n;
}

/** The worker's workflow-cache counters, from the SDK's Prometheus metrics. */
async function cacheCounters(address: string): Promise<{ hits: number; misses: number }> {
  const text = await (await request(`http://${address}/metrics`)).body.text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`temporal_${name}`))
      .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  return { hits: sum('sticky_cache_hit'), misses: sum('sticky_cache_miss') };
}

/** What one escalation's history shows: accepted `decide` updates of this bulk decision, workflow tasks, timeouts. */
async function historyCounts(
  client: Client,
  id: string,
  bulkId: string,
): Promise<{ accepted: number; tasks: number; timedOut: number }> {
  const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  return {
    accepted: events.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === bulkId,
    ).length,
    tasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    timedOut: events.filter((e) => e.workflowTaskTimedOutEventAttributes).length,
  };
}

/** Checks every escalation: how many were lost (not allowed by this bulk) and doubled, and their workflow tasks. */
async function verify(
  client: Client,
  ids: string[],
  bulkId: string,
): Promise<{ lost: number; doubled: number; workflowTasks: number; workflowTaskTimeouts: number }> {
  const limit = pLimit(32);
  let lost = 0;
  let doubled = 0;
  let workflowTasks = 0;
  let workflowTaskTimeouts = 0;
  await Promise.all(
    ids.map((id) =>
      limit(async () => {
        const result = (await client.workflow.getHandle(id).result()) as GuardResult;
        const ok =
          result.action === 'allow' &&
          result.decidedBy?.kind === 'human' &&
          result.decidedBy.identity === 'bench' &&
          (result.reason?.includes(bulkId) ?? false);
        if (!ok) lost++;
        const counts = await historyCounts(client, id, bulkId);
        if (counts.accepted !== 1) doubled++;
        workflowTasks += counts.tasks;
        workflowTaskTimeouts += counts.timedOut;
      }),
    ),
  );
  return { lost, doubled, workflowTasks, workflowTaskTimeouts };
}

/** Runs the bench and returns its figures; throws when an escalation was lost or doubled. */
export async function benchBulk(options: BulkBenchOptions = {}): Promise<BulkBenchFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const n = options.escalations ?? defaultBulkN();
  const dir = mkdtempSync(join(tmpdir(), 'bench-bulk-'));
  const server = await startDevServer({ port: 0, uiPort: false, dbFilename: join(dir, 'temporal.db'), log: () => {} });
  const taskQueue = `bench-bulk-${Date.now()}`;
  const mode = options.mode ?? (process.env.BENCH_BULK_MODE === 'item' ? 'item' : 'page');
  const profileDir = options.cpuProfileDir ?? process.env.BENCH_BULK_CPU_PROF;
  const metrics = `127.0.0.1:${await freePort()}`;
  const worker = await startBenchWorker(
    server.address,
    taskQueue,
    dir,
    { DG_METRICS_ADDRESS: metrics, ...options.workerEnv },
    profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  );
  const cpu = (): CpuSplit => {
    const own = process.cpuUsage();
    return { worker: cpuSeconds(worker.pid), server: cpuSeconds(server.pid), bench: (own.user + own.system) / 1e6 };
  };
  const since = (a: CpuSplit): CpuSplit => {
    const b = cpu();
    return { worker: b.worker - a.worker, server: b.server - a.server, bench: b.bench - a.bench };
  };
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid as number))), 250);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const batches = new BatchClient(client, taskQueue);
    const file = join(dir, 'escalations.jsonl');
    writeFileSync(file, batchLines(n, 1));
    const batchId = `${taskQueue}-pending`;
    let t0 = Date.now();
    let cpu0 = cpu();
    const batch = await batches.submitFile(file, { batchId, mode });
    await untilBatch(batches, batchId, (p) => p.pendingEscalations === n);
    const secondsToAllPending = (Date.now() - t0) / 1000;
    const cpuCreating = since(cpu0);
    const loadAverageWithAllPending = loadavg();
    const workerRssMbWithAllPending = rssMb(worker.pid as number);
    log(
      `${n} escalations pending after ${secondsToAllPending.toFixed(1)} s (${mode} mode); worker RSS ` +
        `${workerRssMbWithAllPending.toFixed(0)} MB; CPU s ${cpuLine(cpuCreating)}; load average ${formatLoad(loadAverageWithAllPending)}`,
    );

    peak = 0;
    const cache0 = await cacheCounters(metrics);
    const bulk = new BulkDecisionClient(client, taskQueue);
    t0 = Date.now();
    cpu0 = cpu();
    const bulkId = await bulk.start({
      decision: 'approve',
      filter: { batch: batchId },
      approver: { id: 'bench', groups: ['finance'] },
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    const bulkDone = bulk.result(bulkId).then((r) => ({ r, seconds: (Date.now() - t0) / 1000 }));
    const summary = await batch.result();
    const secondsToBatchResult = (Date.now() - t0) / 1000;
    const { r: progress, seconds: secondsToBulkResult } = await bulkDone;
    const workerPeakRssMb = peak;
    const cpuApproving = since(cpu0);
    const loadAverage = loadavg();
    const cache1 = await cacheCounters(metrics);
    const cacheHits = cache1.hits - cache0.hits;
    const cacheMisses = cache1.misses - cache0.misses;
    log(
      `bulk ${bulkId}: batch result after ${secondsToBatchResult.toFixed(1)} s ` +
        `(${(n / secondsToBatchResult).toFixed(1)} approvals/s), bulk result after ${secondsToBulkResult.toFixed(1)} s, ` +
        `${progress.pages} pages in ${progress.runs} runs, counts ${JSON.stringify(progress.counts)}, ` +
        `batch ${JSON.stringify(summary.counts)}, worker peak RSS ${workerPeakRssMb.toFixed(0)} MB, ` +
        `CPU s ${cpuLine(cpuApproving)}, workflow cache ${cacheHits} hits / ${cacheMisses} misses, ` +
        `load average ${formatLoad(loadAverage)}`,
    );
    const { lost, doubled, workflowTasks, workflowTaskTimeouts } = await verify(
      client,
      Array.from({ length: n }, (_, i) => `${batchId}/${i}`),
      bulkId,
    );
    log(
      `checked ${n} escalations: ${lost} lost, ${doubled} doubled; ${workflowTasks} workflow tasks completed in their ` +
        `histories, ${workflowTaskTimeouts} timed out`,
    );
    if (lost > 0 || doubled > 0 || progress.counts.decided !== n || progress.seen !== n) {
      throw new Error(`bulk bench failed: ${lost} lost, ${doubled} doubled, ${progress.counts.decided}/${n} decided`);
    }
    return {
      escalations: n,
      concurrency: options.tuning?.concurrency ?? DEFAULT_BULK_CONCURRENCY,
      secondsToAllPending,
      secondsToBatchResult,
      secondsToBulkResult,
      approvalsPerSecond: n / secondsToBatchResult,
      counts: progress.counts,
      pages: progress.pages,
      runs: progress.runs,
      lost,
      doubled,
      workflowTasks,
      workflowTaskTimeouts,
      workerPeakRssMb,
      workerRssMbWithAllPending,
      cacheHits,
      cacheMisses,
      loadAverageWithAllPending,
      loadAverage,
      mode,
      cpuCreating,
      cpuApproving,
    };
  } finally {
    clearInterval(sampler);
    // SIGTERM first: the worker finishes its tasks and, under --cpu-prof, writes its profile.
    await stopProcess(worker, 30_000);
    await connection.close();
    await server.stop();
  }
}

if (require.main === module) {
  const env = process.env;
  benchBulk({
    escalations: process.argv[2] ? Number(process.argv[2]) : defaultBulkN(),
    workerEnv: {
      ...(env.BENCH_BULK_MAX_CACHED ? { DG_MAX_CACHED: env.BENCH_BULK_MAX_CACHED } : {}),
      ...(env.BENCH_BULK_WORKER_TUNING ? { DG_WORKER_TUNING: env.BENCH_BULK_WORKER_TUNING } : {}),
    },
    tuning: {
      ...(env.BENCH_BULK_PAGE_SIZE ? { pageSize: Number(env.BENCH_BULK_PAGE_SIZE) } : {}),
      ...(env.BENCH_BULK_CONCURRENCY ? { concurrency: Number(env.BENCH_BULK_CONCURRENCY) } : {}),
    },
  })
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
