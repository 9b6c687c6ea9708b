/** Inspection: OpenTelemetry tracing for workers and clients, the worker runtime with Prometheus metrics. */
export { createTracing, tracingFromEnv, TRACER_NAME } from './tracing';
export type { CreateTracingOptions, GuardTracing } from './tracing';
export {
  TRACING_WORKFLOW_INTERCEPTOR_MODULES,
  tracingClientInterceptors,
  tracingWorkerOptions,
} from './tracing-interceptors';
export { ESCALATION_WAIT_BUCKETS_MS, installRuntime } from './install-runtime';
export type { RuntimeOptions } from './install-runtime';
