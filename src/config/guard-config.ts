import { MIN_WORKFLOW_HEAP_MB } from '../worker-memory';
import { ConfigError } from './config-error';
import { parseBoolean, parseInteger, parseName, parsePort, present } from './env-values';

/** durable-guard's own settings (everything that is not about reaching Temporal). */
export interface GuardConfig {
  /** Task queue every worker polls and every client starts workflows on. */
  taskQueue: string;
  /** Policy files, in the order given. */
  policyPaths: string[];
  /** Shadow policy files: decided beside the live ones and recorded, never enforced; none when absent. */
  shadowPolicyPaths?: string[];
  /** Whether each decision's memo records the call for `policy backtest` (DURABLE_GUARD_CALL_RECORDS); on when absent. */
  callRecords?: boolean;
  apiPort: number;
  apiHost: string;
  /** Prometheus metrics port of the worker; no metrics endpoint when absent. */
  metricsPort?: number;
  /** Directory for local state (the dev server's SQLite database). */
  dataDir: string;
  /** Worker `maxConcurrentActivityTaskExecutions`; the SDK default when absent. */
  maxConcurrentActivities?: number;
  /** Worker `maxCachedWorkflows`; DEFAULT_MAX_CACHED_WORKFLOWS when absent. */
  maxCachedWorkflows?: number;
  /** V8 old-space limit of the worker's workflow thread, in MB; DEFAULT_WORKFLOW_HEAP_MB when absent. */
  workflowHeapMb?: number;
  /** HMAC secret of one-click approval links (at least 32 bytes); links are off when absent. */
  linkSecret?: string;
  /** Base URL the approval API is reached at, for links in notifications, e.g. `https://guard.example.com`. */
  publicUrl?: string;
  /** Base URL of the Temporal Web UI, for the inbox's links to each escalation, e.g. `http://localhost:8233`. */
  webUiUrl?: string;
}

export const GUARD_DEFAULTS = {
  taskQueue: 'durable-guard',
  policyPaths: ['policies/example.yaml'],
  apiPort: 8080,
  apiHost: '127.0.0.1',
  dataDir: '.data',
} as const;

/**
 * Reads durable-guard's settings (`DURABLE_GUARD_*`) from the environment.
 * @throws ConfigError naming the variable and the fix.
 */
export function loadGuardConfig(env: NodeJS.ProcessEnv = process.env): GuardConfig {
  const taskQueue = parseName(
    'DURABLE_GUARD_TASK_QUEUE',
    present(env.DURABLE_GUARD_TASK_QUEUE) ?? GUARD_DEFAULTS.taskQueue,
  );
  const policyPaths = parsePolicyPaths('DURABLE_GUARD_POLICY', env.DURABLE_GUARD_POLICY) ?? [
    ...GUARD_DEFAULTS.policyPaths,
  ];
  const shadowPolicyPaths = parsePolicyPaths('DURABLE_GUARD_SHADOW_POLICY', env.DURABLE_GUARD_SHADOW_POLICY);
  const callRecords = parseBoolean('DURABLE_GUARD_CALL_RECORDS', env.DURABLE_GUARD_CALL_RECORDS);
  const apiPort = parsePort('DURABLE_GUARD_API_PORT', env.DURABLE_GUARD_API_PORT) ?? GUARD_DEFAULTS.apiPort;
  const apiHost = parseName('DURABLE_GUARD_API_HOST', present(env.DURABLE_GUARD_API_HOST) ?? GUARD_DEFAULTS.apiHost);
  const metricsPort = parsePort('DURABLE_GUARD_METRICS_PORT', env.DURABLE_GUARD_METRICS_PORT);
  const dataDir = present(env.DURABLE_GUARD_DATA_DIR) ?? GUARD_DEFAULTS.dataDir;
  const maxConcurrentActivities = parseInteger(
    'DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES',
    env.DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES,
    { min: 1, max: 100_000, what: 'activity slot count' },
  );
  // 0 is meaningful: it turns the sticky workflow cache off.
  const maxCachedWorkflows = parseInteger(
    'DURABLE_GUARD_MAX_CACHED_WORKFLOWS',
    env.DURABLE_GUARD_MAX_CACHED_WORKFLOWS,
    {
      min: 0,
      max: 1_000_000,
      what: 'workflow cache size',
    },
  );
  const workflowHeapMb = parseInteger('DURABLE_GUARD_WORKFLOW_HEAP_MB', env.DURABLE_GUARD_WORKFLOW_HEAP_MB, {
    min: MIN_WORKFLOW_HEAP_MB,
    max: 65_536,
    what: 'heap size in MB',
  });

  const linkSecret = present(env.DURABLE_GUARD_LINK_SECRET);
  if (linkSecret !== undefined && Buffer.byteLength(linkSecret, 'utf8') < 32) {
    throw new ConfigError(
      'DURABLE_GUARD_LINK_SECRET',
      'DURABLE_GUARD_LINK_SECRET is shorter than 32 bytes: generate one with `openssl rand -base64 32`',
    );
  }
  const publicUrl = parseHttpUrl('DURABLE_GUARD_PUBLIC_URL', env.DURABLE_GUARD_PUBLIC_URL, 'https://guard.example.com');
  const webUiUrl = parseHttpUrl('DURABLE_GUARD_WEB_UI_URL', env.DURABLE_GUARD_WEB_UI_URL, 'http://localhost:8233');

  if (metricsPort !== undefined && metricsPort === apiPort) {
    throw new ConfigError(
      'DURABLE_GUARD_METRICS_PORT',
      `DURABLE_GUARD_METRICS_PORT equals DURABLE_GUARD_API_PORT (${apiPort}): give the metrics endpoint another port`,
    );
  }

  const config: GuardConfig = { taskQueue, policyPaths, apiPort, apiHost, dataDir };
  if (shadowPolicyPaths !== undefined) config.shadowPolicyPaths = shadowPolicyPaths;
  if (callRecords !== undefined) config.callRecords = callRecords;
  if (metricsPort !== undefined) config.metricsPort = metricsPort;
  if (maxConcurrentActivities !== undefined) config.maxConcurrentActivities = maxConcurrentActivities;
  if (maxCachedWorkflows !== undefined) config.maxCachedWorkflows = maxCachedWorkflows;
  if (workflowHeapMb !== undefined) config.workflowHeapMb = workflowHeapMb;
  if (linkSecret !== undefined) config.linkSecret = linkSecret;
  if (publicUrl !== undefined) config.publicUrl = publicUrl;
  if (webUiUrl !== undefined) config.webUiUrl = webUiUrl;
  return config;
}

function parseHttpUrl(name: string, raw: string | undefined, example: string): string | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(name, `${name}='${value}' is not an http(s) URL: set it like ${example}`);
  }
  return value.replace(/\/+$/, '');
}

function parsePolicyPaths(name: string, raw: string | undefined): string[] | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const paths = value
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '');
  if (paths.length === 0) {
    throw new ConfigError(name, `${name}='${value}' names no file: give one or more policy paths separated by commas`);
  }
  return paths;
}
