/** Wires `@temporalio/interceptors-opentelemetry` into our clients and workers. */
import type { Resource } from '@opentelemetry/resources';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import { TRACER_NAME, type GuardTracing } from './tracing';

/**
 * Workflow interceptor modules that trace workflow runs and pass the trace context on to activities. A prebuilt
 * workflow bundle for a tracing worker must include them: `bundleWorkflowCode({ workflowInterceptorModules })`.
 */
export const TRACING_WORKFLOW_INTERCEPTOR_MODULES: string[] = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/**
 * Client interceptors that start a span around each workflow call and send its context in the headers.
 * @returns the `interceptors` option of a `Client` that a `GuardClient` is built on
 */
export function tracingClientInterceptors(tracing: GuardTracing): ClientInterceptors {
  const tracer = tracing.tracerProvider.getTracer(TRACER_NAME);
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] };
}

/**
 * Worker options for tracing: workflow interceptor modules (used when the worker bundles its own code), activity
 * interceptors, and the sink that exports spans made inside workflows, once, never during replay.
 */
export function tracingWorkerOptions(tracing: GuardTracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const { tracerProvider } = tracing;
  const tracer = tracerProvider.getTracer(TRACER_NAME);
  const sinks: InjectedSinks<OpenTelemetrySinks> = {
    exporter: makeWorkflowExporter(tracerProvider.getActiveSpanProcessor(), tracerProvider.resource as Resource),
  };
  return {
    interceptors: {
      workflowModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES,
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks,
  };
}
