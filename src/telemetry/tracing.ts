/** OpenTelemetry tracing for workers and clients: a tracer provider from options or the standard OTEL_* variables. */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type BasicTracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ConfigError } from '../config/config-error';

/**
 * Tracing switched on for a worker (`createWorker`) or a client (`GuardClient`). The provider's span processor
 * receives the workflow-side spans too (decision spans are made inside the workflow and exported through a sink).
 */
export interface GuardTracing {
  tracerProvider: BasicTracerProvider;
}

/** Options of {@link createTracing}. */
export interface CreateTracingOptions {
  exporter: SpanExporter;
  /** @default 'durable-guard' */
  serviceName?: string;
  /** Batch spans before export (production); tests want every span at once. @default true */
  batch?: boolean;
  /**
   * Register as the process-wide provider, with the async-hooks context manager and W3C trace-context
   * propagation: the Temporal interceptors inject and extract trace headers through the global propagator.
   * @default true
   */
  register?: boolean;
}

/** The instrumentation name of our own spans, inside workflows and out. */
export const TRACER_NAME = 'durable-guard';

/**
 * Builds a tracer provider that exports to `exporter`.
 * @param options - the exporter; service name, batching and global registration
 * @returns tracing to pass to `createWorker({ tracing })` and `new GuardClient({ tracing })`
 */
export function createTracing(options: CreateTracingOptions): GuardTracing {
  const processor =
    options.batch === false ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(options.exporter);
  const tracerProvider = new NodeTracerProvider({
    resource: new Resource({ 'service.name': options.serviceName ?? TRACER_NAME }),
    spanProcessors: [processor],
  });
  if (options.register !== false) tracerProvider.register();
  return { tracerProvider };
}

const EXPORTERS = ['none', 'otlp', 'console'] as const;

/**
 * Tracing from the standard variables: `OTEL_TRACES_EXPORTER` (`none`, the default here, `otlp` or `console`),
 * `OTEL_SERVICE_NAME`, and for OTLP/HTTP `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_HEADERS` (read by the exporter itself).
 * @returns undefined when tracing is off.
 * @throws ConfigError for an exporter we do not ship.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): GuardTracing | undefined {
  const names = (env.OTEL_TRACES_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.find((name) => !(EXPORTERS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new ConfigError(
      'OTEL_TRACES_EXPORTER',
      `OTEL_TRACES_EXPORTER: exporter '${unknown}' is not supported (use ${EXPORTERS.join(', ')})`,
    );
  }
  const name = names.find((n) => n !== 'none');
  if (name === undefined) return undefined;
  const exporter = name === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || TRACER_NAME;
  return createTracing({ exporter, serviceName });
}
