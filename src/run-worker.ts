/** Runs the worker with the configured policy files (hot-reloaded) and tools, until shut down. */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createLlmJudge } from './activities/llm-judge';
import { createRemoteGuard } from './activities/remote-guard';
import type { ToolRegistry } from './activities/tools';
import type { NotificationDeps } from './activities/create-activities';
import type { LocalOutbox } from './activities/local-outbox';
import { createNotifier } from './activities/notify';
import { channelLinkFor, createApprovalLinkSigner, LINK_TTL_MS } from './approvals';
import { dataConverterFromEnv } from './codec/data-converter';
import { loadWebhookTargets, nativeConnectionOptions, type ConnectionConfig, type GuardConfig } from './config';
import { missingChannelsLine, policyChannels, PolicyStore } from './policy';
import { tracingFromEnv, type GuardTracing } from './telemetry/tracing';
import { loadShadowPolicy, type ShadowPolicy } from './shadow/shadow-policy';
import { createWorker } from './worker';
import { loadReceiptKeys } from './receipts/receipt-keys';
import { DEFAULT_MAX_CACHED_WORKFLOWS, limitWorkflowHeap } from './worker-memory';

export interface RunningWorker {
  worker: Worker;
  policy: PolicyStore;
  /** The shadow policy, when DURABLE_GUARD_SHADOW_POLICY names one. */
  shadow?: ShadowPolicy;
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
  /** @default from OTEL_TRACES_EXPORTER (off unless set); `null` forces it off */
  tracing?: GuardTracing | null;
  /** @default encryption when DURABLE_GUARD_CODEC_KEYS is set; `null` forces plain JSON */
  dataConverter?: DataConverter | null;
  /** Where notifications for channels without a webhook go (`start` shows them in the inbox). */
  outbox?: LocalOutbox;
}

/** Webhooks from DURABLE_GUARD_WEBHOOKS; one-click links in them when a link secret and public URL are set. */
function notificationDeps(guard: GuardConfig, outbox: LocalOutbox | undefined): NotificationDeps | undefined {
  const targets = loadWebhookTargets();
  if (targets.length === 0 && !outbox) return undefined;
  const { linkSecret, publicUrl } = guard;
  const signer = linkSecret ? createApprovalLinkSigner({ secret: linkSecret, ttlMs: LINK_TTL_MS }) : undefined;
  return {
    notifier: createNotifier({ targets }),
    ...(outbox ? { outbox } : {}),
    ...(publicUrl ? { inboxUrl: `${publicUrl}/` } : {}),
    // The link is issued to the channel: whoever reads that channel decides as it, with the channel's groups.
    ...(signer && publicUrl ? { linkFor: channelLinkFor(signer, publicUrl, targets) } : {}),
  };
}

/** Loads the policies (fails fast on a broken file), connects, and starts polling the task queue. */
export async function runWorker({
  connection,
  guard,
  tools,
  log = console.error,
  tracing = tracingFromEnv(),
  dataConverter = dataConverterFromEnv(),
  outbox,
}: RunWorkerOptions): Promise<RunningWorker> {
  const policy = new PolicyStore(guard.policyPaths, {
    services: { llmJudge: createLlmJudge(), remoteGuard: createRemoteGuard() },
    onError: (err) =>
      log(`durable-guard: policy change rejected, the last good policy stays in force:\n${err.message}`),
    onReload: (engine) => log(`durable-guard: policy reloaded (version ${engine.version})`),
  });
  let shadow: ShadowPolicy | undefined;
  try {
    shadow = loadShadowPolicy(guard.shadowPolicyPaths, log);
  } catch (err) {
    policy.close();
    throw err;
  }
  const notifications = notificationDeps(guard, outbox);
  const missing = missingChannelsLine(
    policyChannels(policy.engine.policies),
    notifications?.notifier.targetNames ?? [],
    outbox
      ? 'their notifications are shown in the inbox instead (configure DURABLE_GUARD_WEBHOOKS to send them)'
      : 'their notifications are dropped (configure DURABLE_GUARD_WEBHOOKS)',
  );
  if (missing) log(missing);
  const receipts = loadReceiptKeys();
  if (receipts?.signing) log(`receipts: signed with key '${receipts.signing.id}'`);
  const nativeConnection = await NativeConnection.connect(nativeConnectionOptions(connection));
  limitWorkflowHeap(guard.workflowHeapMb);
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: connection.namespace,
    taskQueue: guard.taskQueue,
    decider: policy,
    ...(shadow ? { shadow } : {}),
    ...(guard.callRecords === false ? { callRecords: false } : {}),
    tools,
    notifications,
    ...(tracing ? { tracing } : {}),
    ...(dataConverter ? { dataConverter } : {}),
    ...(receipts ? { receipts } : {}),
    tuning: {
      shutdownGraceTime: '30s',
      // Set, not left to the SDK: its default is sized from the main thread's heap, not the workflow thread's.
      maxCachedWorkflows: guard.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
      ...(guard.maxConcurrentActivities !== undefined
        ? { maxConcurrentActivityTaskExecutions: guard.maxConcurrentActivities }
        : {}),
    },
  });
  const done = worker.run().finally(async () => {
    policy.close();
    shadow?.close();
    await nativeConnection.close();
    // Flushes the spans still batched.
    await tracing?.tracerProvider.shutdown();
  });
  log(
    `durable-guard: worker polling task queue '${guard.taskQueue}' (policy ${policy.version}, ` +
      `tools: ${Object.keys(tools ?? {}).join(', ') || 'none, decision-only'}` +
      `${shadow ? `, shadow policy ${shadow.version}` : ''}` +
      `${dataConverter ? ', payloads encrypted' : ''}${tracing ? ', tracing on' : ''})`,
  );
  return {
    worker,
    policy,
    ...(shadow ? { shadow } : {}),
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
