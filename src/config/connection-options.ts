import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { ConnectionConfig } from './connection-config';

/**
 * Options for `Connection.connect` / `Connection.lazy` from `@temporalio/client` (clients, the API, the CLI).
 * The namespace is not a connection option: pass `config.namespace` to `new Client({ connection, namespace })`.
 */
export function clientConnectionOptions(config: ConnectionConfig): ConnectionOptions {
  const options: ConnectionOptions = { address: config.address, tls: config.tls };
  if (config.apiKey !== undefined) options.apiKey = config.apiKey;
  if (config.metadata !== undefined) options.metadata = config.metadata;
  return options;
}

/**
 * Options for `NativeConnection.connect` from `@temporalio/worker` (the worker process).
 * Pass `config.namespace` to `Worker.create({ connection, namespace, ... })`.
 */
export function nativeConnectionOptions(config: ConnectionConfig): NativeConnectionOptions {
  const options: NativeConnectionOptions = { address: config.address, tls: config.tls };
  if (config.apiKey !== undefined) options.apiKey = config.apiKey;
  if (config.metadata !== undefined) options.metadata = config.metadata;
  return options;
}
