/**
 * Graceful shutdown on SIGINT/SIGTERM: the first signal starts the handler (a worker drains its
 * in-flight tasks, the API stops accepting requests), a second one forces the process out.
 *
 * A worker process using this should install the Temporal runtime with `shutdownSignals: []`
 * (`Runtime.install({ shutdownSignals: [] })` before any connection exists); otherwise the SDK's own
 * listener also calls `worker.shutdown()` and the second call throws `IllegalStateError`.
 */

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

export interface ShutdownSignalOptions {
  /** @default ['SIGINT', 'SIGTERM'] */
  signals?: readonly ShutdownSignal[];
  /** Progress and failure messages. @default console.error */
  log?: (message: string) => void;
  /** Ends the process; replaced only in tests. @default process.exit */
  exit?: (code: number) => void;
}

/**
 * Runs `handler` once, on the first shutdown signal. While it runs, a second signal exits with code 1;
 * if it rejects, the error is logged and the process exits with code 1. When it resolves, nothing is
 * forced: the process ends once nothing else keeps it alive.
 * @returns a function that removes the listeners.
 */
export function onShutdownSignal(
  handler: (signal: ShutdownSignal) => Promise<void>,
  opts: ShutdownSignalOptions = {},
): () => void {
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  const log = opts.log ?? ((message: string) => console.error(message));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let started = false;

  const listener = (signal: ShutdownSignal): void => {
    if (started) {
      log(`received ${signal} again: forcing exit`);
      exit(1);
      return;
    }
    started = true;
    log(`received ${signal}: shutting down gracefully (send ${signal} again to force exit)`);
    handler(signal).then(
      () => log('shutdown complete'),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        exit(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, listener);
  return () => {
    for (const signal of signals) process.off(signal, listener);
  };
}
