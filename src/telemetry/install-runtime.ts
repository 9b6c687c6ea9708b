/** Installs the Temporal worker runtime once per process: our own shutdown handling, optional Prometheus. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export interface RuntimeOptions {
  /** Serve Prometheus metrics (Temporal's and ours) on this port at /metrics. */
  metricsPort?: number;
  /** @default '0.0.0.0' */
  metricsHost?: string;
  /** @default 'WARN' */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * Must run before any connection or worker exists. Signals are left to `onShutdownSignal`, so a SIGTERM drains
 * the worker exactly once.
 */
export function installRuntime({ metricsPort, metricsHost = '0.0.0.0', logLevel = 'WARN' }: RuntimeOptions = {}): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(logLevel),
    ...(metricsPort !== undefined
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${metricsHost}:${metricsPort}` } } } }
      : {}),
  });
}
