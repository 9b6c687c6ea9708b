/**
 * The stack most benchmarks run on: a private dev server (or a given frontend), an in-process worker on a fresh
 * task queue, a client and, when asked, the HTTP API. `stop()` takes it all down in the right order: API, worker,
 * connections, server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startApi, type ApiOptions, type RunningApi } from '../src/api';
import type { Decider } from '../src/policy/types';
import { startDevServer } from '../src/server/dev-server';
import { createWorker, type CreateWorkerOptions } from '../src/worker';

export interface BenchStackOptions {
  /** Names the temporary directory and the task queue (`bench-<name>-<time>`). */
  name: string;
  decider: Decider;
  /** A running Temporal frontend (host:port); otherwise a private dev server is started. */
  address?: string;
  /** Starts the API on 127.0.0.1 at a free port with these options (client and task queue are the stack's). */
  api?: Omit<ApiOptions, 'client' | 'taskQueue'>;
  /** More worker options (receipt keys, tuning). */
  worker?: Partial<Omit<CreateWorkerOptions, 'connection' | 'taskQueue' | 'decider'>>;
}

export interface BenchStack {
  address: string;
  taskQueue: string;
  client: Client;
  /** Present when `api` was given. */
  api?: RunningApi;
  stop(): Promise<void>;
}

/** Starts the stack; on a failure half-way, what was started is stopped again. */
export async function benchStack(options: BenchStackOptions): Promise<BenchStack> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by the caller or an earlier stack.
  }
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), `dg-bench-${options.name}-`));
    let address = options.address;
    if (!address) {
      const server = await startDevServer({
        port: 0,
        uiPort: false,
        dbFilename: join(dir, 'temporal.db'),
        log: () => {},
      });
      stops.push(() => server.stop());
      address = server.address;
    }
    const native = await NativeConnection.connect({ address });
    stops.push(() => native.close());
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const taskQueue = `bench-${options.name}-${Date.now()}`;
    const worker = await createWorker({ ...options.worker, connection: native, taskQueue, decider: options.decider });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const client = new Client({ connection });
    let api: RunningApi | undefined;
    if (options.api) {
      const started = await startApi({ ...options.api, client, taskQueue, port: 0 });
      stops.push(() => started.close());
      api = started;
    }
    return { address, taskQueue, client, ...(api ? { api } : {}), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
