/**
 * What bounds the backtest's calls per second: N calls (default 3,000) recorded once into a kept dev-server database
 * (PROFILE_DIR, default /tmp/pol-prof), then each VARIANT timed alone on them: `list` (visibility pages only),
 * `histP[cC]` (one GetWorkflowExecutionHistory of page size P per call, C at once, default 32), `runC` (the whole
 * backtest at concurrency C). `VARIANTS=list,hist100,hist1,run32 nice npx tsx bench/backtest-profile.ts 1500`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pLimit from 'p-limit';
import { loadCandidate } from '../src/backtest/candidate';
import { recordedCallsQuery } from '../src/backtest/recorded-query';
import { runBacktest } from '../src/backtest/run-backtest';
import { visibilityRows } from '../src/recorded/visibility-rows';
import { quietDevServer, recordBenchCalls } from './backtest';

const root = join(__dirname, '..');
const dir = process.env.PROFILE_DIR ?? '/tmp/pol-prof';
const calls = Number(process.argv[2] ?? 3000);

async function time(name: string, fn: () => Promise<number>) {
  const t = performance.now();
  const n = await fn();
  const s = (performance.now() - t) / 1000;
  console.log(`${name}: ${n} in ${s.toFixed(2)} s = ${(n / s).toFixed(0)}/s`);
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, `recorded-${calls}`);
  const server = await quietDevServer(join(dir, 'temporal.db'));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = `profile-${calls}`;
  try {
    if (!existsSync(marker)) {
      const native = await NativeConnection.connect({ address: server.address });
      await recordBenchCalls(client, native, taskQueue, calls, `prof-${calls}`, (line) => console.error(line));
      await native.close();
      writeFileSync(marker, 'ok');
    }
    const query = recordedCallsQuery({ query: `TaskQueue = '${taskQueue}'` }, new Date());
    const variants = (process.env.VARIANTS ?? 'list,hist1,hist100,run32,run128').split(',');
    for (const v of variants) {
      if (v === 'list')
        await time('list', async () => {
          let n = 0;
          for await (const row of visibilityRows(client, query)) n += row ? 1 : 0;
          return n;
        });
      const m = /^hist(\d+)(?:c(\d+))?$/.exec(v);
      if (m) {
        const size = Number(m[1]);
        const run = pLimit(Number(m[2] ?? 32));
        await time(v, async () => {
          const jobs: Promise<unknown>[] = [];
          for await (const row of visibilityRows(client, query)) {
            jobs.push(
              run(() =>
                client.workflowService.getWorkflowExecutionHistory({
                  namespace: 'default',
                  execution: { workflowId: row.workflowId, runId: row.runId },
                  maximumPageSize: size,
                }),
              ),
            );
          }
          await Promise.all(jobs);
          return jobs.length;
        });
      }
      const r = /^run(\d+)$/.exec(v);
      if (r) {
        const candidate = loadCandidate([join(root, 'test', 'integration', 'fixtures', 'backtest', 'stricter.yaml')]);
        await time(v, async () => (await runBacktest(client, candidate, query, { concurrency: Number(r[1]) })).decided);
      }
    }
  } finally {
    await connection.close();
    await server.stop();
  }
}
void main();
