/** Runs the approval API (and inbox) against Temporal with the configured approvers and links. */
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startApi, type ApiOptions } from './api';
import {
  createApprovalLinkSigner,
  FileUsedLinkStore,
  LINK_TTL_MS,
  loadApprovers,
  type ApproverRegistry,
  type UsedLinkStore,
} from './approvals';
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
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Log settings (pino options; tokens are redacted whatever is given). @default JSON lines on stderr at `info` */
  logger?: ApiOptions['logger'];
}

/** The API's log by default: JSON lines on stderr, so stdout stays free for what a command prints. */
export const DEFAULT_API_LOGGER = { level: 'info', stream: process.stderr } as const;

export async function runApi({
  connection: config,
  guard,
  approvers,
  port,
  logger = DEFAULT_API_LOGGER,
}: RunApiOptions): Promise<RunningApi> {
  const registry = approvers ?? (await loadApprovers());
  let usedLinks: UsedLinkStore | undefined;
  if (guard.linkSecret) usedLinks = await FileUsedLinkStore.open(resolve(join(guard.dataDir, 'used-links.jsonl')));
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const running = await startApi({
      client: new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() }),
      taskQueue: guard.taskQueue,
      approvers: registry,
      host: guard.apiHost,
      port: port ?? guard.apiPort,
      logger,
      ...(guard.publicUrl ? { publicUrl: guard.publicUrl } : {}),
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
