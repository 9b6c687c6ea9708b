import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { createTracing } from '../../src/telemetry/tracing';
import { tracingWorkerOptions } from '../../src/telemetry/tracing-interceptors';
import { recordedHistories } from './recorded-histories';

/**
 * Switching tracing on must not break workflows recorded without it, and replaying a history must not export its
 * decision spans again.
 */
test('recorded histories replay under the tracing interceptors and export no span', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporter, batch: false, register: false });
  const { sinks } = tracingWorkerOptions(tracing);
  const { histories } = recordedHistories();
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
  expect(replayed).toBe(histories.length);
  expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([]);
  await tracing.tracerProvider.shutdown();
}, 300_000);
