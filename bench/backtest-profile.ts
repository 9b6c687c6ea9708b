/**
 * What bounds the backtest's calls per second: N calls (default 3,000) recorded once into a kept dev-server database
 * (PROFILE_DIR, default /tmp/pol-prof; a directory BENCH_BACKTEST_DIR of bench/backtest.ts works too), then each
 * VARIANT timed alone on them, with the CPU seconds this process and the dev server spent:
 * - `list`: visibility pages only;
 * - `histP[cC]`: one GetWorkflowExecutionHistory of page size P per call, C at once (default 32);
 * - `close[cC]`: the close event alone (`historyEventFilterType: CLOSE_EVENT`) per call;
 * - `h1close[cC]`: the start event (page 1) and the close event, two reads per call;
 * - `runC`: the whole backtest at concurrency C;
 * - `decide`: the candidate's decisions alone, on the calls read once into memory.
 * PROFILE_NATIVE=1 reads through a NativeConnection (Rust) instead of grpc-js.
 * `VARIANTS=list,hist100,hist1,run32 nice npx tsx bench/backtest-profile.ts 1500`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { loadCandidate } from '../src/backtest/candidate';
import { recordedCalls, type RecordedCall } from '../src/backtest/recorded-calls';
import { recordedCallsQuery } from '../src/backtest/recorded-query';
import { runBacktest } from '../src/backtest/run-backtest';
import { visibilityRows, type VisibilityRow } from '../src/recorded/visibility-rows';
import { quietDevServer, recordBenchCalls } from './backtest';
import { cpuSeconds } from './worker-process';
import { formatLoad } from './load-average';

const root = join(__dirname, '..');
const dir = process.env.PROFILE_DIR ?? '/tmp/pol-prof';
const calls = Number(process.argv[2] ?? 3000);
const { HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT } = temporal.api.enums.v1.HistoryEventFilterType;

async function time(name: string, serverPid: number | undefined, fn: () => Promise<number>) {
  const cpu = { bench: process.cpuUsage(), server: cpuSeconds(serverPid) };
  const t = performance.now();
  const n = await fn();
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu.bench);
  const bench = (used.user + used.system) / 1e6;
  const server = cpuSeconds(serverPid) - cpu.server;
  console.log(
    `${name}: ${n} in ${s.toFixed(2)} s = ${(n / s).toFixed(0)}/s; CPU bench ${bench.toFixed(1)} s ` +
      `(${((bench * 1000) / n).toFixed(2)} ms/call), server ${server.toFixed(1)} s (${((server * 1000) / n).toFixed(2)} ms/call); ` +
      `load ${formatLoad()}`,
  );
}

/** One request per listed row, `concurrency` at once. */
async function perRow(
  rows: AsyncIterable<VisibilityRow>,
  concurrency: number,
  read: (row: VisibilityRow) => Promise<unknown>,
) {
  const run = pLimit(concurrency);
  const jobs: Promise<unknown>[] = [];
  for await (const row of rows) jobs.push(run(() => read(row)));
  await Promise.all(jobs);
  return jobs.length;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, `recorded-${calls}`);
  const server = await quietDevServer(join(dir, 'temporal.db'));
  // PROFILE_NATIVE=1: the client over the worker's Rust connection instead of grpc-js.
  const connection = process.env.PROFILE_NATIVE
    ? await NativeConnection.connect({ address: server.address })
    : await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const recorded = existsSync(marker) ? readFileSync(marker, 'utf8') : undefined;
  const taskQueue = recorded && recorded !== 'ok' ? recorded : `profile-${calls}`;
  const { namespace } = client.options;
  try {
    if (!recorded) {
      const native = await NativeConnection.connect({ address: server.address });
      await recordBenchCalls(client, native, taskQueue, calls, `prof-${calls}`, (line) => console.error(line));
      await native.close();
      writeFileSync(marker, taskQueue);
    }
    const query = recordedCallsQuery({ query: `TaskQueue = '${taskQueue}'` }, new Date());
    const candidate = loadCandidate([join(root, 'test', 'integration', 'fixtures', 'backtest', 'stricter.yaml')]);
    const rows = () => visibilityRows(client, query);
    const history = (row: VisibilityRow, extra: Record<string, unknown>) =>
      client.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId: row.workflowId, runId: row.runId },
        ...extra,
      });
    const variants = (process.env.VARIANTS ?? 'list,hist1,hist100,close,h1close,run32,run128,decide').split(',');
    for (const v of variants) {
      const m = /^(list|hist|close|h1close|run|decide)(\d+)?(?:c(\d+))?$/.exec(v);
      if (!m) throw new Error(`unknown variant ${v}`);
      const [, kind, size, at] = m;
      const concurrency = Number(at ?? 32);
      if (kind === 'list')
        await time(v, server.pid, async () => {
          let n = 0;
          for await (const row of rows()) n += row ? 1 : 0;
          return n;
        });
      if (kind === 'hist')
        await time(v, server.pid, () =>
          perRow(rows(), concurrency, (row) => history(row, { maximumPageSize: Number(size) })),
        );
      if (kind === 'close')
        await time(v, server.pid, () =>
          perRow(rows(), concurrency, (row) =>
            history(row, { historyEventFilterType: HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT }),
          ),
        );
      if (kind === 'h1close')
        await time(v, server.pid, () =>
          perRow(rows(), concurrency, async (row) => {
            await history(row, { maximumPageSize: 1 });
            if (!row.running) await history(row, { historyEventFilterType: HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT });
          }),
        );
      if (kind === 'run')
        await time(
          v,
          server.pid,
          async () => (await runBacktest(client, candidate, query, { concurrency: Number(size) })).decided,
        );
      if (kind === 'decide') {
        const read: RecordedCall[] = [];
        for await (const call of recordedCalls(client, query)) if (!('skipped' in call)) read.push(call);
        await time(v, server.pid, async () => {
          for (const { call, startedAt } of read) {
            const { tool, input, context } = call;
            await candidate.engine.decide({ tool, input, context }, startedAt);
          }
          return read.length;
        });
      }
    }
  } finally {
    await connection.close();
    await server.stop();
  }
}
void main();
