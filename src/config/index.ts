/**
 * Configuration from the environment: how to reach Temporal (the Temporal CLI's `TEMPORAL_*` variables)
 * and durable-guard's own `DURABLE_GUARD_*` settings, plus the lists deployment files are checked against.
 */
export { CLI_COMMANDS } from './cli-commands';
export type { CliCommand } from './cli-commands';
export { ConfigError } from './config-error';
export {
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
  describeConnection,
  loadConnectionConfig,
} from './connection-config';
export type { ConnectionConfig } from './connection-config';
export { clientConnectionOptions, nativeConnectionOptions } from './connection-options';
export { GUARD_DEFAULTS, loadGuardConfig } from './guard-config';
export type { GuardConfig } from './guard-config';
export { KNOWN_ENV_VARS } from './known-env-vars';
export { loadWebhookTargets } from './webhooks-config';
export type { KnownEnvVar } from './known-env-vars';
