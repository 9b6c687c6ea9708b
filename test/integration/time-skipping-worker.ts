/**
 * A time-skipping server and a worker per test. One server per test: the Java test server stops skipping time for a
 * while after a workflow whose abandoned children (our notifications) outlive it (sdk-java #2392), so tests sharing
 * one server hang.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { GuardClient } from '../../src/client';
import { createWorker, type CreateWorkerOptions } from '../../src/worker';
import { startTimeSkipping, type TimeSkippingServer } from './time-skipping';

/** What each test sees: set by the beforeEach hook this registers. */
export interface TimeSkippingContext {
  env: TestWorkflowEnvironment;
  guard: GuardClient;
}

/** Registers beforeEach/afterEach hooks that start a server and a worker with `options` on `taskQueue`. */
export function timeSkippingPerTest(
  taskQueue: string,
  options: Omit<CreateWorkerOptions, 'connection' | 'taskQueue' | 'workflowBundle'>,
): TimeSkippingContext {
  const context = {} as TimeSkippingContext;
  let server: TimeSkippingServer | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeEach(async () => {
    server = await startTimeSkipping();
    context.env = server.env;
    worker = await createWorker({
      ...options,
      connection: server.env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: process.env.DG_TEST_BUNDLE as string },
    });
    running = worker.run();
    context.guard = new GuardClient({ client: server.env.client, taskQueue });
  }, 90_000);
  afterEach(async () => {
    worker?.shutdown();
    await running;
    await server?.teardown();
  });
  return context;
}
