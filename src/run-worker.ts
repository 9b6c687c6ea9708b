/** Runs the worker with the configured policy files (hot-reloaded) and tools, until shut down. */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createLlmJudge } from './activities/llm-judge';
import { createRemoteGuard } from './activities/remote-guard';
import type { ToolRegistry } from './activities/tools';
import { createNotifier } from './activities/notify';
import { loadNotificationConfig, nativeConnectionOptions, type ConnectionConfig, type GuardConfig } from './config';
import { PolicyStore } from './policy';
import { createWorker } from './worker';

export interface RunningWorker {
  worker: Worker;
  policy: PolicyStore;
  /** Settles when the worker has stopped. */
  done: Promise<void>;
  /** Drains in-flight tasks, then stops the worker and closes its connection. */
  shutdown(): Promise<void>;
}

export interface RunWorkerOptions {
  connection: ConnectionConfig;
  guard: GuardConfig;
  tools?: ToolRegistry;
  log?: (line: string) => void;
}

/** Loads the policies (fails fast on a broken file), connects, and starts polling the task queue. */
export async function runWorker({
  connection,
  guard,
  tools,
  log = console.error,
}: RunWorkerOptions): Promise<RunningWorker> {
  const policy = new PolicyStore(guard.policyPaths, {
    services: { llmJudge: createLlmJudge(), remoteGuard: createRemoteGuard() },
    onError: (err) =>
      log(`durable-guard: policy change rejected, the last good policy stays in force:\n${err.message}`),
    onReload: (engine) => log(`durable-guard: policy reloaded (version ${engine.version})`),
  });
  const notificationConfig = loadNotificationConfig();
  const notifications = notificationConfig.targets.length
    ? {
        notifier: createNotifier({ targets: notificationConfig.targets }),
        ...(notificationConfig.publicUrl ? { inboxUrl: notificationConfig.publicUrl } : {}),
      }
    : undefined;
  const nativeConnection = await NativeConnection.connect(nativeConnectionOptions(connection));
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: connection.namespace,
    taskQueue: guard.taskQueue,
    decider: policy,
    tools,
    notifications,
    tuning: {
      shutdownGraceTime: '30s',
      ...(guard.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: guard.maxCachedWorkflows } : {}),
      ...(guard.maxConcurrentActivities !== undefined
        ? { maxConcurrentActivityTaskExecutions: guard.maxConcurrentActivities }
        : {}),
    },
  });
  const done = worker.run().finally(async () => {
    policy.close();
    await nativeConnection.close();
  });
  log(
    `durable-guard: worker polling task queue '${guard.taskQueue}' (policy ${policy.version}, ` +
      `tools: ${Object.keys(tools ?? {}).join(', ') || 'none, decision-only'})`,
  );
  return {
    worker,
    policy,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
