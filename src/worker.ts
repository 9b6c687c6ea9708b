/** The worker process pieces: workflows + activities + tools on one task queue. */
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type NotificationDeps } from './activities/create-activities';
import type { ToolRegistry } from './activities/tools';
import type { ReceiptKeyring } from './receipts/receipt-keys';
import type { Decider } from './policy/types';
import type { ShadowDecider } from './shadow/shadow-policy';
import type { GuardTracing } from './telemetry/tracing';
import { tracingWorkerOptions } from './telemetry/tracing-interceptors';
import { DEFAULT_TASK_QUEUE } from './workflows/definitions';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  decider: Decider;
  /** A shadow policy: decided beside `decider` in the same activity, recorded, never enforced. @default none */
  shadow?: ShadowDecider;
  /** Whether decisions' memos record the call for `policy backtest` (call-record.ts). @default true */
  callRecords?: boolean;
  tools?: ToolRegistry;
  /** Webhooks for escalations; without them a policy's channels are logged as undeliverable. */
  notifications?: NotificationDeps;
  namespace?: string;
  /** @default 'durable-guard' */
  taskQueue?: string;
  /**
   * OpenTelemetry tracing: decision spans joined to the caller's trace. A prebuilt `workflowBundle` must then be
   * bundled with `TRACING_WORKFLOW_INTERCEPTOR_MODULES`. @default off
   */
  tracing?: GuardTracing;
  /** Receipt keys (`loadReceiptKeys()`): with a signing key every final decision gets a signed receipt. */
  receipts?: ReceiptKeyring;
  /** Payload codecs (encryption); must match the clients'. @default the SDK's plain JSON */
  dataConverter?: DataConverter;
  /** A prebuilt bundle (tests bundle once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (tuning: maxCachedWorkflows, concurrency). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxCachedWorkflows'
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxConcurrentWorkflowTaskPolls'
      | 'maxConcurrentActivityTaskPolls'
      | 'shutdownGraceTime'
    >
  >;
}

/** Path of the workflows module, for bundling. */
export const WORKFLOWS_PATH = require.resolve('./workflows');

/** Creates a worker that runs guarded calls with the given policy and tools. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const tracing = options.tracing ? tracingWorkerOptions(options.tracing) : undefined;
  // A prebuilt bundle carries its workflow interceptors already (the worker would warn and ignore them).
  if (tracing?.interceptors && options.workflowBundle) delete tracing.interceptors.workflowModules;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    activities: createActivities({
      decider: options.decider,
      tools: options.tools,
      notifications: options.notifications,
      ...(options.receipts ? { receipts: options.receipts } : {}),
      ...(options.shadow ? { shadow: options.shadow } : {}),
      ...(options.callRecords === false ? { callRecords: false } : {}),
    }),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...tracing,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.tuning,
  });
}
