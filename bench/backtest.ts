/**
 * Backtest figures: N guarded calls (default 10,000) recorded under policies/example.yaml on a private dev
 * server, then backtested with a stricter candidate: calls per second and the backtest's peak memory, at N and at
 * N/5 (constant memory: the peak should not grow with N).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { loadCandidate } from '../src/backtest/candidate';
import { recordedCallsQuery } from '../src/backtest/recorded-query';
import { runBacktest } from '../src/backtest/run-backtest';
import { PolicyEngine } from '../src/policy';
import { startDevServer } from '../src/server/dev-server';
import { createWorker, WORKFLOWS_PATH } from '../src/worker';
import { measured } from './measured';

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
  recordSeconds: number;
  runs: { calls: number; seconds: number; callsPerSecond: number; peakRssMb: number; peakHeapMb: number }[];
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
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        limit(() =>
          client.workflow.start('guardedCall', { taskQueue, workflowId: `${prefix}-${i}`, args: [callOf(i)] }),
        ),
      ),
    );
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
  const dir = mkdtempSync(join(tmpdir(), 'bench-backtest-'));
  const server = await quietDevServer(join(dir, 'temporal.db'));
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    const taskQueue = `bench-backtest-${Date.now()}`;
    const recording = await measured(() => recordBenchCalls(client, native, taskQueue, calls, 'bench', log));
    log(`recorded ${calls} calls in ${recording.seconds.toFixed(1)} s`);
    const candidate = loadCandidate([join(root, 'test', 'integration', 'fixtures', 'backtest', 'stricter.yaml')]);
    const query = recordedCallsQuery({ query: `TaskQueue = '${taskQueue}'` }, new Date());
    const runs: BacktestBenchFigures['runs'] = [];
    for (const n of [Math.ceil(calls / 5), calls]) {
      const run = await measured(() => runBacktest(client, candidate, query, { limit: n }));
      const figure = {
        calls: run.value.decided,
        seconds: run.seconds,
        callsPerSecond: run.value.decided / run.seconds,
        peakRssMb: run.peakRssMb,
        peakHeapMb: run.peakHeapMb,
      };
      log(
        `backtest of ${figure.calls}: ${figure.callsPerSecond.toFixed(0)} calls/s, peak RSS ${figure.peakRssMb.toFixed(0)} MB, heap ${figure.peakHeapMb.toFixed(0)} MB`,
      );
      runs.push(figure);
    }
    return { calls, recordSeconds: recording.seconds, runs, loadAverage: (await import('node:os')).loadavg() };
  } finally {
    await connection.close();
    await native.close();
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
