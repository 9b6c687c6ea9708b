/**
 * Every environment variable of ours that src/ reads (most of them in src/config). The Temporal names are the ones the Temporal CLI
 * and SDKs use (read through `@temporalio/envconfig`), so one environment serves `temporal` and `durable-guard` alike. A test checks this list
 * against the source text of src/config and against docker-compose.yml.
 */
export const KNOWN_ENV_VARS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'DURABLE_GUARD_TASK_QUEUE',
  'DURABLE_GUARD_POLICY',
  'DURABLE_GUARD_API_PORT',
  'DURABLE_GUARD_API_HOST',
  'DURABLE_GUARD_METRICS_PORT',
  'DURABLE_GUARD_DATA_DIR',
  'DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES',
  'DURABLE_GUARD_MAX_CACHED_WORKFLOWS',
  'DURABLE_GUARD_WORKFLOW_HEAP_MB',
  'DURABLE_GUARD_WEBHOOKS',
  'DURABLE_GUARD_PUBLIC_URL',
  'DURABLE_GUARD_CODEC_KEYS',
  'DURABLE_GUARD_APPROVERS',
  'DURABLE_GUARD_APPROVER_TOKENS',
  'TEMPORAL_CLI_PATH',
  'DURABLE_GUARD_LINK_SECRET',
] as const;

export type KnownEnvVar = (typeof KNOWN_ENV_VARS)[number];
