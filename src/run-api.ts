/** Runs the approval API (and inbox) against Temporal with the configured approvers and links. */
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startApi, type ApiOptions } from './api';
import {
  createApprovalLinkSigner,
  FileUsedLinkStore,
  LINK_TTL_MS,
  loadApprovers,
  loadCallers,
  type ApproverRegistry,
  type CallerRegistry,
  type UsedLinkStore,
} from './approvals';
import { LAST_BACKTEST_FILE } from './backtest/saved-backtest';
import { GuardUnavailable } from './client/errors';
import { dataConverterFromEnv } from './codec';
import { clientConnectionOptions, type ConnectionConfig, type GuardConfig } from './config';

export interface RunningApi {
  url: string;
  /** Stops accepting requests, finishes those in flight, closes the connection. */
  close(): Promise<void>;
}

export interface RunApiOptions {
  connection: ConnectionConfig;
  guard: GuardConfig;
  /** @default the approvers from DURABLE_GUARD_APPROVERS / DURABLE_GUARD_APPROVER_TOKENS */
  approvers?: ApproverRegistry;
  /** @default the callers from DURABLE_GUARD_CALLER_TOKENS */
  callers?: CallerRegistry;
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Log settings (pino options; tokens are redacted whatever is given). @default JSON lines on stderr at `info` */
  logger?: ApiOptions['logger'];
  /** Notifications for channels without a webhook, shown in the inbox (`start`). */
  outbox?: ApiOptions['outbox'];
  /** Base URL of the Temporal Web UI for the inbox's links. @default DURABLE_GUARD_WEB_UI_URL */
  webUiUrl?: string;
}

/** The API's log by default: JSON lines on stderr, so stdout stays free for what a command prints. */
export const DEFAULT_API_LOGGER = { level: 'info', stream: process.stderr } as const;

/** How long the API tries its first connection to Temporal before it gives up (the SDK's own default). */
export const API_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects, or throws GuardUnavailable (`operation: 'connect'`) naming the address: an API that cannot reach
 * Temporal could answer nothing but 503, so it exits (code 69) and its supervisor starts it again.
 */
async function connect(config: ConnectionConfig, taskQueue: string): Promise<Connection> {
  const started = Date.now();
  try {
    return await Connection.connect({ ...clientConnectionOptions(config), connectTimeout: API_CONNECT_TIMEOUT_MS });
  } catch (err) {
    // The SDK says only 'Failed to connect before the deadline'; anything else (a TLS setting, ...) is as is.
    if (!(err instanceof Error) || !/failed to connect|unavailable|deadline/i.test(err.message)) throw err;
    throw new GuardUnavailable(
      {
        address: config.address,
        namespace: config.namespace,
        taskQueue,
        operation: 'connect',
        reason: 'unreachable',
        elapsedMs: Date.now() - started,
      },
      { cause: err },
    );
  }
}

export async function runApi({
  connection: config,
  guard,
  approvers,
  callers,
  port,
  logger = DEFAULT_API_LOGGER,
  outbox,
  webUiUrl = guard.webUiUrl,
}: RunApiOptions): Promise<RunningApi> {
  const registry = approvers ?? (await loadApprovers());
  const callerRegistry = callers ?? loadCallers(process.env, registry);
  let usedLinks: UsedLinkStore | undefined;
  if (guard.linkSecret) usedLinks = await FileUsedLinkStore.open(resolve(join(guard.dataDir, 'used-links.jsonl')));
  const connection = await connect(config, guard.taskQueue).catch(async (err: unknown) => {
    await usedLinks?.close();
    throw err;
  });
  try {
    const running = await startApi({
      client: new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() }),
      taskQueue: guard.taskQueue,
      approvers: registry,
      policyFiles: guard.policyPaths,
      lastBacktestFile: resolve(join(guard.dataDir, LAST_BACKTEST_FILE)),
      callers: callerRegistry,
      host: guard.apiHost,
      port: port ?? guard.apiPort,
      logger,
      ...(outbox ? { outbox } : {}),
      ...(guard.publicUrl ? { publicUrl: guard.publicUrl } : {}),
      ...(webUiUrl ? { webUiUrl } : {}),
      ...(guard.linkSecret && usedLinks
        ? { links: createApprovalLinkSigner({ secret: guard.linkSecret, ttlMs: LINK_TTL_MS, usedLinks }) }
        : {}),
    });
    return {
      url: running.url,
      async close() {
        await running.close();
        await usedLinks?.close();
        await connection.close();
      },
    };
  } catch (err) {
    await usedLinks?.close();
    await connection.close();
    throw err;
  }
}
