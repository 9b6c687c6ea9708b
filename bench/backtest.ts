/**
 * Backtest figures: N guarded calls (default 10,000) recorded under policies/example.yaml on a private dev
 * server, then backtested with a stricter candidate: calls per second and the backtest's peak memory, at N and at
 * N/5 (constant memory: the peak should not grow with N), and the CPU seconds the bench process and the dev server
 * spent on each backtest (which side bounds it). With BENCH_BACKTEST_DIR the server's database is kept there and
 * the N calls recorded only once: a later run backtests them again without recording.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { loadCandidate } from '../src/backtest/candidate';
import { recordedCallsQuery } from '../src/backtest/recorded-query';
import { runBacktest } from '../src/backtest/run-backtest';
import { PolicyEngine } from '../src/policy';
import { startDevServer } from '../src/server/dev-server';
import { createWorker, WORKFLOWS_PATH } from '../src/worker';
import { measured } from './measured';
import { cpuSeconds } from './worker-process';
import { formatLoad } from './load-average';

const root = join(__dirname, '..');

/** The i-th recorded call: mostly allowed lookups, some refunds (allow, escalate left pending, block), emails. */
export function callOf(i: number): { tool: string; input: Record<string, unknown> } {
  switch (i % 10) {
    case 0:
      return { tool: 'process_refund', input: { amount: 700 } };
    case 1:
      return { tool: 'process_refund', input: { amount: 8000 } };
    case 2:
      return { tool: 'process_refund', input: { amount: 60000 } };
    case 3:
      return { tool: 'send_email', input: { to: 'a@example.com', body: `Customer jane${i}@example.org` } };
    default:
      return { tool: 'get_order', input: { orderId: `o-${i}` } };
  }
}

export interface BacktestBenchFigures {
  calls: number;
  /** 0 when the calls were recorded by an earlier run (BENCH_BACKTEST_DIR). */
  recordSeconds: number;
  runs: {
    calls: number;
    seconds: number;
    callsPerSecond: number;
    peakRssMb: number;
    peakHeapMb: number;
    /** CPU seconds of this process (decoding, deciding, gRPC) and of the dev server during the backtest. */
    benchCpuSeconds: number;
    serverCpuSeconds: number;
    /** Live heap (after a full GC) at each tenth of the calls, when node runs with --expose-gc. */
    liveHeapMb?: number[];
    loadAverage: number[];
  }[];
  loadAverage: number[];
}

/** A private dev server on a free port, without Web UI or log, its SQLite database at `dbFilename`. */
export function quietDevServer(dbFilename: string) {
  return startDevServer({ port: 0, uiPort: false, dbFilename, log: () => undefined });
}

/**
 * Records `calls` guarded calls ({@link callOf}) under policies/example.yaml with a worker of its own on `taskQueue`,
 * workflow IDs `<prefix>-<i>`; resolves once every one is decided (done, or waiting for approval).
 */
export async function recordBenchCalls(
  client: Client,
  native: NativeConnection,
  taskQueue: string,
  calls: number,
  prefix: string,
  log: (line: string) => void,
): Promise<void> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const worker = await createWorker({
    connection: native,
    taskQueue,
    decider: PolicyEngine.fromFiles([join(root, 'policies', 'example.yaml')]),
    workflowBundle: { code: bundle.code },
  });
  await worker.runUntil(async () => {
    const limit = pLimit(64);
    // A start that fails on an overloaded server is tried again; one already started (by this run's earlier try
    // or by an earlier run on a kept database) is recorded already.
    const start = async (i: number): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.workflow.start('guardedCall', { taskQueue, workflowId: `${prefix}-${i}`, args: [callOf(i)] });
          return;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) return;
          if (attempt >= 5) throw err;
          log(`start of ${prefix}-${i} failed (${(err as Error).message}), again`);
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: calls }, (_, i) => limit(() => start(i))));
    const done = `WorkflowType = 'guardedCall' AND TaskQueue = '${taskQueue}' AND GuardStatus IN ('done', 'pending-approval')`;
    for (let last = -1; ;) {
      const { count } = await client.workflow.count(done);
      if (count >= calls) break;
      if (count !== last) log(`recorded ${count}/${calls}`);
      last = count;
      await new Promise((r) => setTimeout(r, 2000));
    }
  });
}

export async function benchBacktest(
  log: (line: string) => void = () => undefined,
  calls = 10_000,
): Promise<BacktestBenchFigures> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const kept = process.env.BENCH_BACKTEST_DIR;
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'bench-backtest-'));
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, `recorded-${calls}`);
  const server = await quietDevServer(join(dir, 'temporal.db'));
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    const taskQueue = kept ? `bench-backtest-${calls}` : `bench-backtest-${Date.now()}`;
    let recordSeconds = 0;
    if (!existsSync(marker)) {
      const native = await NativeConnection.connect({ address: server.address });
      try {
        const recording = await measured(() => recordBenchCalls(client, native, taskQueue, calls, taskQueue, log));
        recordSeconds = recording.seconds;
      } finally {
        await native.close();
      }
      if (kept) writeFileSync(marker, taskQueue);
      log(`recorded ${calls} calls in ${recordSeconds.toFixed(1)} s`);
    } else log(`backtesting the ${calls} calls recorded earlier in ${dir}`);
    const candidate = loadCandidate([join(root, 'test', 'integration', 'fixtures', 'backtest', 'stricter.yaml')]);
    const query = recordedCallsQuery({ query: `TaskQueue = '${taskQueue}'` }, new Date());
    const runs: BacktestBenchFigures['runs'] = [];
    // History reads in flight (the backtest's --concurrency); its default when unset.
    const concurrency = process.env.BENCH_BACKTEST_CONCURRENCY
      ? { concurrency: Number(process.env.BENCH_BACKTEST_CONCURRENCY) }
      : {};
    for (const n of [Math.ceil(calls / 5), calls]) {
      const cpu = { bench: process.cpuUsage(), server: cpuSeconds(server.pid) };
      const gc = (globalThis as { gc?: () => void }).gc;
      const liveHeapMb: number[] = [];
      const every = Math.max(1, Math.floor(n / 10));
      const onCall = gc
        ? (done: number) => {
            if (done % every !== 0) return;
            gc();
            liveHeapMb.push(Math.round(process.memoryUsage().heapUsed / 2 ** 20));
          }
        : undefined;
      const run = await measured(() =>
        runBacktest(client, candidate, query, { limit: n, ...concurrency, ...(onCall ? { onCall } : {}) }),
      );
      const used = process.cpuUsage(cpu.bench);
      const figure = {
        calls: run.value.decided,
        seconds: run.seconds,
        callsPerSecond: run.value.decided / run.seconds,
        peakRssMb: run.peakRssMb,
        peakHeapMb: run.peakHeapMb,
        benchCpuSeconds: (used.user + used.system) / 1e6,
        serverCpuSeconds: cpuSeconds(server.pid) - cpu.server,
        ...(gc ? { liveHeapMb } : {}),
        loadAverage: loadavg(),
      };
      log(
        `backtest of ${figure.calls}: ${figure.callsPerSecond.toFixed(0)} calls/s, peak RSS ${figure.peakRssMb.toFixed(0)} MB, ` +
          `heap ${figure.peakHeapMb.toFixed(0)} MB, CPU bench ${figure.benchCpuSeconds.toFixed(1)} s / server ` +
          `${figure.serverCpuSeconds.toFixed(1)} s in ${figure.seconds.toFixed(1)} s, load ${formatLoad(figure.loadAverage)}` +
          (gc ? `, live heap by tenths ${liveHeapMb.join(' ')} MB` : ''),
      );
      runs.push(figure);
    }
    return { calls, recordSeconds, runs, loadAverage: loadavg() };
  } finally {
    await connection.close();
    await server.stop();
  }
}

if (require.main === module) {
  benchBacktest((line) => process.stderr.write(`backtest: ${line}\n`), Number(process.argv[2] ?? 10_000))
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
