import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { createTracing } from '../../src/telemetry/tracing';
import { tracingWorkerOptions } from '../../src/telemetry/tracing-interceptors';

const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json');
const workflowIds = JSON.parse(readFileSync(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

/**
 * Switching tracing on must not break workflows recorded without it, and replaying a history must not export its
 * decision spans again.
 */
test('recorded histories replay under the tracing interceptors and export no span', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporter, batch: false, register: false });
  const { sinks } = tracingWorkerOptions(tracing);
  const histories = files.map((file) => ({
    workflowId: workflowIds[file.replace(/\.json$/, '')] ?? file.replace(/\.json$/, ''),
    history: JSON.parse(readFileSync(join(dir, file), 'utf8')),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.DG_TEST_TRACING_BUNDLE as string }, sinks },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
  expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  await tracing.tracerProvider.shutdown();
});
