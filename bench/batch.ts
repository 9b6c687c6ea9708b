/**
 * Batch figures: a 10,000-item batch under policies/example.yaml end to end (items/s, worker peak RSS), and
 * 10,000 escalations pending at once (worker RSS, time to approve them all). The worker runs in its own
 * process (test/integration/survival/worker-process.ts) so its RSS is its own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { batchLines } from '../examples/batches/generate';
import { BatchClient } from '../src/client';
import { startDevServer } from '../src/server/dev-server';
import { approveSignal } from '../src/workflows/definitions';
import { cpuSeconds, rssMb, startBenchWorker, untilBatch } from './worker-process';

export interface BatchBenchOptions {
  /** An existing server; otherwise a private dev server is started. */
  address?: string;
  /** @default env BENCH_BATCH_N, else 1000 */
  items?: number;
  /** Escalations pending at once; 0 skips that phase. @default the same as `items` */
  pending?: number;
  /** @default 50 */
  concurrency?: number;
  maxCachedWorkflows?: number;
  /** Dev server dynamic config and extra SQLite pragmas (private server only). */
  serverDynamicConfig?: Record<string, unknown>;
  sqlitePragmas?: Record<string, string | number>;
  /** Further worker options (maxConcurrentWorkflowTaskExecutions, pollers), passed as DG_WORKER_TUNING. */
  tuning?: Record<string, number>;
  log?: (line: string) => void;
}

export interface BatchBenchFigures {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  workerPeakRssMb: number;
  /** History events of the plain batch's runs per item: each workflow task the batch takes adds three. */
  batchEventsPerItem: number;
  /** CPU seconds per 1,000 items of the plain batch, per process (server only when the bench started it). */
  cpuPer1000: { server: number; worker: number; bench: number };
  pending: number;
  /** The pending phase's figures are absent when it was skipped (pending = 0). */
  secondsToAllPending?: number;
  workerRssMbWithAllPending?: number;
  secondsToApproveAll?: number;
  workerPeakRssMbPendingRun?: number;
}

/** Default N: env BENCH_BATCH_N, else 1000 (`npm run bench` finishes in a few minutes). */
export function defaultBatchN(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BENCH_BATCH_N ?? '1000');
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BENCH_BATCH_N must be a positive integer, got '${env.BENCH_BATCH_N}'`);
  return n;
}

/** Events in every run of a closed workflow, following its continue-as-new chain back from the last run. */
async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let events = 0;
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    events += history.events?.length ?? 0;
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return events;
}

/** Runs both scenarios and returns the figures. */
export async function benchBatch(options: BatchBenchOptions = {}): Promise<BatchBenchFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const items = options.items ?? defaultBatchN();
  const pending = options.pending ?? items;
  const dir = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  const server = options.address
    ? undefined
    : await startDevServer({
        port: 0,
        uiPort: false,
        dbFilename: join(dir, 'temporal.db'),
        log: () => undefined,
        ...(options.serverDynamicConfig ? { dynamicConfig: options.serverDynamicConfig } : {}),
        ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
      });
  const address = options.address ?? (server?.address as string);
  const taskQueue = `bench-batch-${Date.now()}`;
  const worker = await startBenchWorker(address, taskQueue, dir, {
    ...(options.maxCachedWorkflows ? { DG_MAX_CACHED: String(options.maxCachedWorkflows) } : {}),
    ...(options.tuning ? { DG_WORKER_TUNING: JSON.stringify(options.tuning) } : {}),
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid as number))), 250);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const batches = new BatchClient(client, taskQueue);
  try {
    const plain = join(dir, 'plain.jsonl');
    writeFileSync(plain, batchLines(items, 0));
    let t0 = Date.now();
    const cpu0 = { server: cpuSeconds(server?.pid), worker: cpuSeconds(worker.pid), bench: cpuSeconds(process.pid) };
    const handle = await batches.submitFile(plain, { batchId: `${taskQueue}-plain`, concurrency: options.concurrency });
    const summary = await handle.result();
    const seconds = (Date.now() - t0) / 1000;
    const peakPlain = peak;
    log(
      `batch of ${summary.done} items: ${seconds.toFixed(1)} s, ${(items / seconds).toFixed(1)} items/s, worker peak RSS ${peakPlain.toFixed(0)} MB`,
    );

    const per1000 = (now: number, before: number) => Math.round(((now - before) * 1000 * 10) / items) / 10;
    const cpuPer1000 = {
      server: per1000(cpuSeconds(server?.pid), cpu0.server),
      worker: per1000(cpuSeconds(worker.pid), cpu0.worker),
      bench: per1000(cpuSeconds(process.pid), cpu0.bench),
    };
    log(`CPU seconds per 1,000 items: ${JSON.stringify(cpuPer1000)}`);
    const batchEventsPerItem = (await historyEvents(client, handle.workflowId)) / items;
    log(`batch history events per item (all runs): ${batchEventsPerItem.toFixed(2)}`);
    const plainFigures = {
      items,
      seconds,
      itemsPerSecond: items / seconds,
      workerPeakRssMb: peakPlain,
      cpuPer1000,
      batchEventsPerItem,
      pending,
    };
    if (pending === 0) return plainFigures;
    peak = 0;
    const escalations = join(dir, 'escalations.jsonl');
    writeFileSync(escalations, batchLines(pending, 1));
    const batchId = `${taskQueue}-pending`;
    t0 = Date.now();
    const pendingHandle = await batches.submitFile(escalations, { batchId, concurrency: options.concurrency });
    await untilBatch(batches, batchId, (p) => p.pendingEscalations === pending);
    const secondsToAllPending = (Date.now() - t0) / 1000;
    const rssPending = rssMb(worker.pid as number);
    log(
      `${pending} escalations pending after ${secondsToAllPending.toFixed(1)} s; worker RSS ${rssPending.toFixed(0)} MB`,
    );
    t0 = Date.now();
    const ids = Array.from({ length: pending }, (_, i) => `${batchId}/${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(
        ids
          .slice(i, i + 100)
          .map((id) => client.workflow.getHandle(id).signal(approveSignal, { by: 'bench', groups: ['finance'] })),
      );
    }
    const done = await pendingHandle.result();
    const secondsToApproveAll = (Date.now() - t0) / 1000;
    log(
      `approved ${done.counts.escalated} in ${secondsToApproveAll.toFixed(1)} s; worker peak RSS ${peak.toFixed(0)} MB`,
    );
    return {
      ...plainFigures,
      secondsToAllPending,
      workerRssMbWithAllPending: rssPending,
      secondsToApproveAll,
      workerPeakRssMbPendingRun: peak,
    };
  } finally {
    clearInterval(sampler);
    worker.kill('SIGKILL');
    await connection.close();
    await server?.stop();
  }
}

/**
 * `npx tsx bench/batch.ts [N] [PENDING]`; env BENCH_BATCH_TUNING (JSON worker options), BENCH_BATCH_MAX_CACHED,
 * BENCH_BATCH_CONCURRENCY, BENCH_BATCH_DYNAMIC_CONFIG (JSON), BENCH_BATCH_PRAGMAS (JSON).
 */
if (require.main === module) {
  const n = process.argv[2] ? Number(process.argv[2]) : defaultBatchN();
  const pending = process.argv[3] ? Number(process.argv[3]) : n;
  const env = process.env;
  benchBatch({
    items: n,
    pending,
    ...(env.BENCH_BATCH_TUNING ? { tuning: JSON.parse(env.BENCH_BATCH_TUNING) as Record<string, number> } : {}),
    ...(env.BENCH_BATCH_MAX_CACHED ? { maxCachedWorkflows: Number(env.BENCH_BATCH_MAX_CACHED) } : {}),
    ...(env.BENCH_BATCH_DYNAMIC_CONFIG
      ? { serverDynamicConfig: JSON.parse(env.BENCH_BATCH_DYNAMIC_CONFIG) as Record<string, unknown> }
      : {}),
    ...(env.BENCH_BATCH_PRAGMAS
      ? { sqlitePragmas: JSON.parse(env.BENCH_BATCH_PRAGMAS) as Record<string, string> }
      : {}),
    ...(env.BENCH_BATCH_CONCURRENCY ? { concurrency: Number(env.BENCH_BATCH_CONCURRENCY) } : {}),
  })
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
