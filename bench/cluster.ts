/**
 * The self-hosted shape against the dev server, same machine, same benches: batch throughput (bench/batch.ts: a
 * plain batch, then one whose every item escalates and is approved by signal) and approval latency through the
 * HTTP API (bench/approvals-api.ts), first on temporal-server 1.29.1 on a private PostgreSQL (test/cluster/harness),
 * then on the embedded dev server (SQLite).
 *
 *   BENCH_ONLY=cluster npm run bench      (BENCH_CLUSTER_N items, default 500; BENCH_CLUSTER_APPROVALS, default 300)
 */
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../src/server/register-search-attributes';
import { startTemporalCluster } from '../test/cluster/harness/temporal-cluster';
import { benchApprovalsApi, type ApprovalsApiBenchResult } from './approvals-api';
import { benchBatch, type BatchBenchFigures } from './batch';

export interface ClusterBenchRow {
  server: 'postgresql cluster' | 'dev server';
  batch: BatchBenchFigures;
  approvals: ApprovalsApiBenchResult;
}

async function onServer(
  server: ClusterBenchRow['server'],
  address: string | undefined,
  items: number,
  approvals: number,
  log: (line: string) => void,
): Promise<ClusterBenchRow> {
  const pending = Math.min(items, 200);
  const batch = await benchBatch({ items, pending, log: (l) => log(`${server}: batch: ${l}`), address });
  const api = await benchApprovalsApi({
    escalations: approvals,
    connections: 20,
    log: (l) => log(`${server}: ${l}`),
    address,
  });
  return { server, batch, approvals: api };
}

/** Runs the benches on both servers, the cluster first. */
export async function benchCluster(log: (line: string) => void): Promise<ClusterBenchRow[]> {
  const items = Number(process.env.BENCH_CLUSTER_N ?? '500');
  const approvals = Number(process.env.BENCH_CLUSTER_APPROVALS ?? '300');
  const cluster = await startTemporalCluster({ log });
  const rows: ClusterBenchRow[] = [];
  try {
    const connection = await Connection.connect({ address: cluster.address });
    await registerSearchAttributes(connection, cluster.namespace).finally(() => connection.close());
    rows.push(await onServer('postgresql cluster', cluster.address, items, approvals, log));
  } finally {
    await cluster.stop();
  }
  rows.push(await onServer('dev server', undefined, items, approvals, log));
  return rows;
}

/** The figures as a markdown table, as docs/benchmarks.md records them. */
export function clusterTable(rows: ClusterBenchRow[]): string {
  const header =
    '| server | batch items/s (N) | worker CPU s per 1,000 items | escalations pending after | approve all by signal | API approvals/s | API approve p50 / p99 |';
  const lines = rows.map((r) => {
    const b = r.batch;
    const a = r.approvals;
    return (
      `| ${r.server} | ${b.itemsPerSecond.toFixed(1)} (${b.items}) | ${b.cpuPer1000.worker} | ` +
      `${b.pending} in ${b.secondsToAllPending?.toFixed(1)} s | ${b.secondsToApproveAll?.toFixed(1)} s | ` +
      `${a.approvalsPerSecond} (${a.escalations}) | ${a.latencyP50Ms} / ${a.latencyP99Ms} ms |`
    );
  });
  return [header, `|${'---|'.repeat(7)}`, ...lines].join('\n');
}

if (require.main === module) {
  benchCluster((line) => process.stderr.write(`${line}\n`))
    .then((rows) => process.stdout.write(`${clusterTable(rows)}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
