/**
 * Page mode against item mode against a bare-Temporal baseline (bench/baseline-workflows.ts), in one dev server
 * and one worker process: items/s and CPU-ms per item (worker and dev server, from /proc), each as a ratio to the
 * baseline; history events and estimated Temporal Cloud actions per allowed item, counted from the histories with
 * bench/history-costs.ts; the worker's peak RSS. The batch is examples/batches/generate.ts without escalations.
 *
 *   BENCH_ONLY=batch-page npm run bench       # N = BENCH_PAGE_N (10,000); BENCH_PAGE_BIG_N adds a page-mode run;
 *                                             # BENCH_PAGE_KINDS=baseline,item,page (default all) picks the runs
 *   npx tsx bench/batch-page.ts [N] [BIG_N]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { batchLines } from '../examples/batches/generate';
import { BatchClient } from '../src/client';
import { startDevServer } from '../src/server/dev-server';
import type { BatchMode, BatchSummary } from '../src/workflows/definitions';
import { historyCost, type HistoryCost } from './history-costs';
import { cpuSeconds, rssMb, startWorker } from './worker-process';
import { formatLoad } from './load-average';

export interface PageBenchRun {
  name: string;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  cpuMsPerItem: { worker: number; server: number; total: number };
  /** Items the policy allowed or modified (the tools that ran). */
  allowed: number;
  /** Per allowed item, over the batch's runs and its children (children sampled, see `sampledChildren`). */
  eventsPerAllowed: number;
  actionsPerAllowed: number;
  sampledChildren: number;
  workerPeakRssMb: number;
}

const CHILD_SAMPLE = 200;

type Event = Parameters<typeof historyCost>[0][number] & {
  workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string };
};

/** The events of one run, with event types spelled as the Temporal CLI writes them (EVENT_TYPE_...). */
async function runEvents(client: Client, workflowId: string, runId?: string): Promise<Event[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = (JSON.parse(historyToJSON(history)) as { events: Event[] }).events;
  return events.map((e) => ({
    ...e,
    eventType: e.eventType.startsWith('EVENT_TYPE_')
      ? e.eventType
      : `EVENT_TYPE_${e.eventType.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
  }));
}

/** Events and actions of every run of a workflow, following continue-as-new back from the last run. */
async function chainCost(client: Client, workflowId: string): Promise<HistoryCost> {
  const total = { events: 0, actions: 0 };
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const events = await runEvents(client, workflowId, runId);
    const cost = historyCost(events);
    total.events += cost.events;
    total.actions += cost.actions;
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return total;
}

/** The parent's chain plus `children` children, the children's cost extrapolated from a sample. */
async function batchCost(
  client: Client,
  parentId: string,
  children: number,
): Promise<HistoryCost & { sampled: number }> {
  const parent = await chainCost(client, parentId);
  const sampled = Math.min(children, CHILD_SAMPLE);
  const child = { events: 0, actions: 0 };
  for (let i = 0; i < sampled; i += 1) {
    const index = Math.floor((i * children) / sampled);
    const cost = historyCost(await runEvents(client, `${parentId}/${index}`));
    child.events += cost.events;
    child.actions += cost.actions;
  }
  const scale = sampled === 0 ? 0 : children / sampled;
  return { events: parent.events + child.events * scale, actions: parent.actions + child.actions * scale, sampled };
}

export async function benchBatchPage(
  n = Number(process.env.BENCH_PAGE_N ?? 10_000),
  bigN = Number(process.env.BENCH_PAGE_BIG_N ?? 0),
  log: (line: string) => void = (line) => console.log(line),
  concurrency = 50,
  kinds = new Set((process.env.BENCH_PAGE_KINDS ?? 'baseline,item,page').split(',').map((k) => k.trim())),
): Promise<{ runs: PageBenchRun[]; loadAverage: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-page-'));
  const server = await startDevServer({ port: 0, uiPort: false, dbFilename: join(dir, 'temporal.db'), log: () => {} });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./baseline-workflows'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(join(dir, 'bundle.js'), bundle.code);
  const taskQueue = `bench-page-${Date.now()}`;
  const worker = await startWorker({
    DG_ADDRESS: server.address,
    DG_TASK_QUEUE: taskQueue,
    DG_LEDGER: join(dir, 'ledger.jsonl'),
    DG_BUNDLE: join(dir, 'bundle.js'),
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const batches = new BatchClient(client, taskQueue);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid as number))), 250);
  const runs: PageBenchRun[] = [];

  const measure = async (
    name: string,
    items: number,
    run: () => Promise<{ parentId: string; allowed: number; children: number }>,
  ) => {
    peak = 0;
    const cpu0 = { worker: cpuSeconds(worker.pid), server: cpuSeconds(server.pid) };
    const t0 = Date.now();
    const { parentId, allowed, children } = await run();
    const seconds = (Date.now() - t0) / 1000;
    const ms = (now: number, before: number) => ((now - before) * 1000) / items;
    const cpuWorker = ms(cpuSeconds(worker.pid), cpu0.worker);
    const cpuServer = ms(cpuSeconds(server.pid), cpu0.server);
    const workerPeakRssMb = peak;
    const cost = await batchCost(client, parentId, children);
    const r: PageBenchRun = {
      name,
      items,
      seconds,
      itemsPerSecond: items / seconds,
      cpuMsPerItem: { worker: cpuWorker, server: cpuServer, total: cpuWorker + cpuServer },
      allowed,
      eventsPerAllowed: cost.events / allowed,
      actionsPerAllowed: cost.actions / allowed,
      sampledChildren: cost.sampled,
      workerPeakRssMb,
    };
    runs.push(r);
    log(`${name}: ${JSON.stringify(r)}`);
  };

  const guarded = (mode: BatchMode, items: number) => async () => {
    const path = join(dir, `${mode}-${items}.jsonl`);
    writeFileSync(path, batchLines(items, 0));
    const handle = await batches.submitFile(path, { batchId: `${taskQueue}-${mode}-${items}`, concurrency, mode });
    const s: BatchSummary = await handle.result();
    if (s.done !== items || s.counts.byStatus.failed > 0) throw new Error(`${mode} batch ended ${JSON.stringify(s)}`);
    const allowed = s.counts.byAction.allow + s.counts.byAction.modify;
    return { parentId: handle.workflowId, allowed, children: mode === 'item' ? items : s.counts.escalated };
  };

  try {
    if (kinds.has('baseline'))
      await measure(BASELINE, n, async () => {
        const parentId = `${taskQueue}-baseline`;
        const counts = (await client.workflow.execute('baselineBatch', {
          workflowId: parentId,
          taskQueue,
          args: [{ items: n, concurrency }],
        })) as Record<string, number>;
        return { parentId, allowed: (counts.allow ?? 0) + (counts.modify ?? 0), children: n };
      });
    if (kinds.has('item')) await measure('item mode', n, guarded('item', n));
    if (kinds.has('page')) await measure('page mode', n, guarded('page', n));
    if (bigN > 0) await measure('page mode', bigN, guarded('page', bigN));
    return { runs, loadAverage: loadavg() };
  } finally {
    clearInterval(sampler);
    worker.kill('SIGKILL');
    await connection.close();
    await server.stop();
  }
}

const BASELINE = 'bare Temporal baseline';

/** The figures as ratios to the baseline run (when it ran: `BENCH_PAGE_KINDS` can leave it out). */
export function pageBenchLines({ runs, loadAverage }: { runs: PageBenchRun[]; loadAverage: number[] }): string[] {
  const base = runs.find((r) => r.name === BASELINE);
  const ratio = (a: number, b: number | undefined, digits: number) =>
    b === undefined ? '' : `; ${(a / b).toFixed(digits)}x baseline`;
  const lines = runs.map(
    (r) =>
      `${r.name} (N = ${r.items.toLocaleString('en-US')}): ${r.itemsPerSecond.toFixed(0)} items/s ` +
      `(${ratio(r.itemsPerSecond, base?.itemsPerSecond, 2).slice(2) || 'no baseline run'}), CPU ` +
      `${r.cpuMsPerItem.total.toFixed(2)} ms/item (worker ${r.cpuMsPerItem.worker.toFixed(2)}, server ` +
      `${r.cpuMsPerItem.server.toFixed(2)}${ratio(r.cpuMsPerItem.total, base?.cpuMsPerItem.total, 3)}), ` +
      `${r.eventsPerAllowed.toFixed(3)} events and ${r.actionsPerAllowed.toFixed(3)} actions per allowed item, ` +
      `worker peak RSS ${r.workerPeakRssMb.toFixed(0)} MB`,
  );
  return [...lines, `load average ${formatLoad(loadAverage)}`];
}

if (require.main === module) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  const big = process.argv[3] ? Number(process.argv[3]) : undefined;
  benchBatchPage(n, big)
    .then((f) => console.log(pageBenchLines(f).join('\n')))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
