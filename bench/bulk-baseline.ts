/**
 * The bare-Temporal floor of the bulk bench: N trivial workflows (bench/workflows/bare-approval.ts) each waiting on
 * one `decide` update, started, then all updated by one client loop with the bulk decision's concurrency, and no
 * activity. CPU per approval and approvals/s are measured as bench/bulk.ts measures ours: from the first update to
 * the last workflow's completion, the worker's CPU (here the worker and the client loop share this process, as
 * ours sends its updates from the worker's activity) and the dev server's. Same workflow cache and workflow heap as
 * the bench worker, so a cache miss replays here too.
 *
 *   npx tsx bench/bulk-baseline.ts [N]      (N default BENCH_BULK_N, else 10000; BENCH_BULK_CONCURRENCY as bulk.ts)
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pLimit from 'p-limit';
import { DEFAULT_BULK_CONCURRENCY } from '../src/activities/bulk-decide';
import { startDevServer } from '../src/server/dev-server';
import { DEFAULT_MAX_CACHED_WORKFLOWS, limitWorkflowHeap } from '../src/worker-memory';
import { cpuSeconds, rssMb } from './worker-process';
import { bareDecideUpdate } from './workflows/bare-approval';
import { formatLoad } from './load-average';

export interface BareApprovalFigures {
  approvals: number;
  concurrency: number;
  secondsToAllPending: number;
  /** From the first update sent to the last one answered (each workflow completes in the task that answers it). */
  seconds: number;
  approvalsPerSecond: number;
  /** CPU seconds while approving: this process (worker and client loop) and the dev server. */
  cpuApproving: { worker: number; server: number };
  /** Workflows whose update answer or result is not the approver: 0. */
  lost: number;
  /** This process's peak RSS while approving (worker and client together). */
  peakRssMb: number;
  loadAverage: number[];
}

const ownCpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function untilPending(client: Client, query: string, n: number): Promise<void> {
  while ((await client.workflow.count(query)).count < n) await new Promise((r) => setTimeout(r, 500));
}

/** Runs the floor at N approvals, `concurrency` updates in flight; throws when an approval was lost. */
export async function benchBareApprovals(
  n: number,
  concurrency: number = DEFAULT_BULK_CONCURRENCY,
  log: (line: string) => void = (line) => console.log(line),
): Promise<BareApprovalFigures> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already (bench/run.ts runs several benches in one process).
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-approvals-'));
  const server = await startDevServer({ port: 0, uiPort: false, dbFilename: join(dir, 'temporal.db'), log: () => {} });
  const taskQueue = `bench-bare-approvals-${Date.now()}`;
  const stops: (() => Promise<void>)[] = [() => server.stop()];
  try {
    limitWorkflowHeap();
    const native = await NativeConnection.connect({ address: server.address });
    stops.push(() => native.close());
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows/bare-approval'),
      logger: new DefaultLogger('WARN'),
    });
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: bundle,
      maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    const ids = Array.from({ length: n }, (_, i) => `${taskQueue}/${i}`);
    const limit = pLimit(concurrency);
    let t0 = Date.now();
    await Promise.all(
      ids.map((workflowId) => limit(() => client.workflow.start('bareApproval', { workflowId, taskQueue, args: [] }))),
    );
    await untilPending(client, `TaskQueue = '${taskQueue}' AND GuardStatus = 'pending-approval'`, n);
    const secondsToAllPending = (Date.now() - t0) / 1000;
    log(`${n} bare approvals pending after ${secondsToAllPending.toFixed(1)} s; load average ${formatLoad()}`);

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(process.pid))), 250);
    const cpu0 = { worker: ownCpu(), server: cpuSeconds(server.pid) };
    t0 = Date.now();
    // The workflow completes in the workflow task that answers its update: the last answer is the last completion.
    const answers = await Promise.all(
      ids.map((id) =>
        limit(() =>
          client.workflow.getHandle(id).executeUpdate(bareDecideUpdate, { args: [{ by: 'bench' }], updateId: 'bare' }),
        ),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;
    const cpuApproving = { worker: ownCpu() - cpu0.worker, server: cpuSeconds(server.pid) - cpu0.server };
    clearInterval(sampler);
    const loadAverage = loadavg();
    // Checked after the clock stopped: every update answered by the approver and every workflow completed with it.
    const results = await Promise.all(ids.map((id) => limit(() => client.workflow.getHandle(id).result())));
    const lost = ids.filter((_, i) => answers[i] !== 'bench' || results[i] !== 'bench').length;
    log(
      `${n} bare approvals in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(1)}/s, ${concurrency} in flight), ` +
        `${lost} lost; CPU s worker ${cpuApproving.worker.toFixed(1)}, server ${cpuApproving.server.toFixed(1)}; ` +
        `peak RSS ${peak.toFixed(0)} MB; load average ${formatLoad(loadAverage)}`,
    );
    if (lost > 0) throw new Error(`bare approval bench failed: ${lost} of ${n} lost`);
    return {
      approvals: n,
      concurrency,
      secondsToAllPending,
      seconds,
      approvalsPerSecond: n / seconds,
      cpuApproving,
      lost,
      peakRssMb: peak,
      loadAverage,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? process.env.BENCH_BULK_N ?? 10_000);
  const concurrency = process.env.BENCH_BULK_CONCURRENCY ? Number(process.env.BENCH_BULK_CONCURRENCY) : undefined;
  benchBareApprovals(n, concurrency)
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
