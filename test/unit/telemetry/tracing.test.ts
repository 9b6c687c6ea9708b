import { ConsoleSpanExporter, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing, tracingFromEnv } from '../../../src/telemetry/tracing';

test.each([{}, { OTEL_TRACES_EXPORTER: 'none' }, { OTEL_TRACES_EXPORTER: ' none ' }])(
  'tracing is off for %j',
  (env) => {
    expect(tracingFromEnv(env)).toBeUndefined();
  },
);

test('an exporter we do not ship is named with the supported ones', () => {
  expect(() => tracingFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(
    expect.objectContaining({
      name: 'ConfigError',
      variable: 'OTEL_TRACES_EXPORTER',
      message: expect.stringContaining("'jaeger' is not supported (use none, otlp, console)"),
    }),
  );
});

test.each([
  ['otlp', 'OTLPTraceExporter'],
  ['console', ConsoleSpanExporter.name],
])('OTEL_TRACES_EXPORTER=%s exports with %s, service name from OTEL_SERVICE_NAME', async (name, exporterClass) => {
  const tracing = tracingFromEnv({ OTEL_TRACES_EXPORTER: name, OTEL_SERVICE_NAME: 'guard-eu' });
  expect(tracing).toBeDefined();
  const provider = tracing!.tracerProvider;
  expect(provider.resource.attributes['service.name']).toBe('guard-eu');
  const processor = provider.getActiveSpanProcessor() as unknown as { _spanProcessors: { _exporter: object }[] };
  expect(processor._spanProcessors[0]?._exporter.constructor.name).toBe(exporterClass);
  await provider.shutdown();
});

test('createTracing exports every ended span to the exporter, unbatched on request', async () => {
  const exporter = new InMemorySpanExporter();
  const { tracerProvider } = createTracing({ exporter, batch: false, register: false });
  tracerProvider.getTracer('t').startSpan('guard:allowed:x').end();
  expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['guard:allowed:x']);
  expect(tracerProvider.resource.attributes['service.name']).toBe('durable-guard');
  await tracerProvider.shutdown();
});
