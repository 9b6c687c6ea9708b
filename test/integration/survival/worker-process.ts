/**
 * A worker in its own process, so survival tests can kill -9 it. Env:
 * - DG_ADDRESS, DG_TASK_QUEUE, DG_LEDGER, DG_BUNDLE (prebuilt workflow bundle);
 * - DG_TOOL_DELAY_MS: slows every tool, to kill mid-batch;
 * - DG_REGULAR_TOOLS=1: runs the ledger's quick tools as regular activities instead of local ones;
 * - for benchmarks: DG_MAX_CACHED (maxCachedWorkflows), DG_WORKFLOW_HEAP_MB (the workflow thread's heap),
 *   DG_WORKER_TUNING (JSON of further `tuning` options), DG_MEMORY_LOG_MS (prints the process's memory use to
 *   stderr at that interval), DG_METRICS_ADDRESS (host:port of the SDK's Prometheus metrics, e.g. the workflow
 *   cache's hits and misses).
 * Memory bounds as `durable-guard worker` sets them (src/worker-memory.ts) unless overridden. Decides with the
 * real PolicyEngine on policies/example.yaml; prints "ready" once polling. SIGTERM shuts it down gracefully (so
 * `--cpu-prof` writes a profile); SIGKILL is the crash the survival tests make.
 */
import { join } from 'node:path';
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createLedgerTools } from '../../../examples/tools/ledger-tools';
import type { ToolContext, ToolRegistry } from '../../../src/activities/tools';
import { loadPolicyFile, PolicyEngine } from '../../../src/policy';
import { createWorker } from '../../../src/worker';
import { DEFAULT_MAX_CACHED_WORKFLOWS, limitWorkflowHeap } from '../../../src/worker-memory';

async function main() {
  const metrics = process.env.DG_METRICS_ADDRESS;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    ...(metrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } } : {}),
  });
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const delayMs = Number(process.env.DG_TOOL_DELAY_MS ?? '0');
  const ledgerTools = createLedgerTools(env('DG_LEDGER'));
  const tools: ToolRegistry = Object.fromEntries(
    Object.entries(ledgerTools).map(([name, tool]) => [
      name,
      {
        local: tool.local === true && process.env.DG_REGULAR_TOOLS !== '1',
        run: async (input: Record<string, unknown>, ctx: ToolContext) => {
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          return tool.run(input, ctx);
        },
      },
    ]),
  );
  limitWorkflowHeap(process.env.DG_WORKFLOW_HEAP_MB ? Number(process.env.DG_WORKFLOW_HEAP_MB) : undefined);
  const connection = await NativeConnection.connect({ address: env('DG_ADDRESS') });
  const worker = await createWorker({
    connection,
    taskQueue: env('DG_TASK_QUEUE'),
    decider: new PolicyEngine([loadPolicyFile(join(__dirname, '..', '..', '..', 'policies', 'example.yaml'))]),
    tools,
    workflowBundle: { codePath: env('DG_BUNDLE') },
    tuning: {
      ...(process.env.DG_WORKER_TUNING ? (JSON.parse(process.env.DG_WORKER_TUNING) as object) : {}),
      maxCachedWorkflows: process.env.DG_MAX_CACHED ? Number(process.env.DG_MAX_CACHED) : DEFAULT_MAX_CACHED_WORKFLOWS,
    },
  });
  const running = worker.run();
  // SIGTERM shuts down gracefully, so a worker started with --cpu-prof writes its profile (SIGKILL writes none).
  process.once('SIGTERM', () => worker.shutdown());
  const memoryLogMs = Number(process.env.DG_MEMORY_LOG_MS ?? '0');
  if (memoryLogMs > 0) {
    const mb = (n: number) => Math.round(n / 1048576);
    setInterval(() => {
      const m = process.memoryUsage();
      const v8Heap = v8.getHeapStatistics();
      process.stderr.write(
        `memory: rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} ` +
          `arrayBuffers ${mb(m.arrayBuffers)} heapLimit ${mb(v8Heap.heap_size_limit)} contexts ${v8Heap.number_of_native_contexts}\n`,
      );
    }, memoryLogMs).unref();
  }
  process.stdout.write('ready\n');
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-process: ${String(err)}\n`);
  process.exit(1);
});
