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

/** Escalations wait for people: buckets from a second to three days (ms), not the SDK's 50 ms to 10 s. */
export const ESCALATION_WAIT_BUCKETS_MS = [
  1_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000, 86_400_000, 259_200_000,
];

/**
 * Must run before any connection or worker exists. Signals are left to `onShutdownSignal`, so a SIGTERM drains
 * the worker exactly once.
 */
export function installRuntime({ metricsPort, metricsHost = '0.0.0.0', logLevel = 'WARN' }: RuntimeOptions = {}): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(logLevel),
    ...(metricsPort !== undefined
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: `${metricsHost}:${metricsPort}`,
                histogramBucketOverrides: { durable_guard_escalation_wait: ESCALATION_WAIT_BUCKETS_MS },
              },
            },
          },
        }
      : {}),
  });
}
