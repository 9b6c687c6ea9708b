import { ConfigError, loadGuardConfig } from '../../../src/config';
import type { GuardConfig } from '../../../src/config';

describe('loadGuardConfig', () => {
  test('defaults', () => {
    expect(loadGuardConfig({})).toEqual({
      taskQueue: 'durable-guard',
      policyPaths: ['policies/example.yaml'],
      apiPort: 8080,
      apiHost: '127.0.0.1',
      dataDir: '.data',
    });
  });

  test.each<[string, NodeJS.ProcessEnv, Partial<GuardConfig>]>([
    ['a task queue', { DURABLE_GUARD_TASK_QUEUE: 'guard-eu' }, { taskQueue: 'guard-eu' }],
    [
      'one policy file',
      { DURABLE_GUARD_POLICY: '/app/policies/refunds.yaml' },
      { policyPaths: ['/app/policies/refunds.yaml'] },
    ],
    [
      'several policy files, spaces and a trailing comma',
      { DURABLE_GUARD_POLICY: ' a.yaml, b.yaml ,c.yaml,' },
      { policyPaths: ['a.yaml', 'b.yaml', 'c.yaml'] },
    ],
    [
      'shadow policy files beside the live ones',
      { DURABLE_GUARD_SHADOW_POLICY: ' candidate.yaml, extra.yaml' },
      { policyPaths: ['policies/example.yaml'], shadowPolicyPaths: ['candidate.yaml', 'extra.yaml'] },
    ],
    [
      'the API on all interfaces',
      { DURABLE_GUARD_API_HOST: '0.0.0.0', DURABLE_GUARD_API_PORT: '9000' },
      { apiHost: '0.0.0.0', apiPort: 9000 },
    ],
    [
      'port 1 and 65535',
      { DURABLE_GUARD_API_PORT: '1', DURABLE_GUARD_METRICS_PORT: '65535' },
      { apiPort: 1, metricsPort: 65535 },
    ],
    ['call records off', { DURABLE_GUARD_CALL_RECORDS: 'false' }, { callRecords: false }],
    ['a metrics port', { DURABLE_GUARD_METRICS_PORT: '9464' }, { metricsPort: 9464 }],
    ['a data directory', { DURABLE_GUARD_DATA_DIR: '/var/lib/durable-guard' }, { dataDir: '/var/lib/durable-guard' }],
    [
      'worker tuning',
      {
        DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES: '200',
        DURABLE_GUARD_MAX_CACHED_WORKFLOWS: '5000',
        DURABLE_GUARD_WORKFLOW_HEAP_MB: '1024',
      },
      { maxConcurrentActivities: 200, maxCachedWorkflows: 5000, workflowHeapMb: 1024 },
    ],
    [
      'a link secret and a public URL (trailing slash dropped)',
      { DURABLE_GUARD_LINK_SECRET: 'x'.repeat(32), DURABLE_GUARD_PUBLIC_URL: 'https://guard.example.com/' },
      { linkSecret: 'x'.repeat(32), publicUrl: 'https://guard.example.com' },
    ],
    ['a workflow cache turned off', { DURABLE_GUARD_MAX_CACHED_WORKFLOWS: '0' }, { maxCachedWorkflows: 0 }],
    [
      'blank values as defaults',
      { DURABLE_GUARD_API_PORT: '', DURABLE_GUARD_POLICY: ' ' },
      { apiPort: 8080, policyPaths: ['policies/example.yaml'] },
    ],
  ])('accepts %s', (_name, env, expected) => {
    expect(loadGuardConfig(env)).toMatchObject(expected);
  });

  test('optional settings stay absent when unset', () => {
    const config = loadGuardConfig({});
    expect(config).not.toHaveProperty('metricsPort');
    expect(config).not.toHaveProperty('maxConcurrentActivities');
    expect(config).not.toHaveProperty('maxCachedWorkflows');
    expect(config).not.toHaveProperty('workflowHeapMb');
    expect(config).not.toHaveProperty('linkSecret');
    expect(config).not.toHaveProperty('publicUrl');
  });

  test.each<[NodeJS.ProcessEnv, string, RegExp]>([
    [
      { DURABLE_GUARD_API_PORT: '0' },
      'DURABLE_GUARD_API_PORT',
      /'0' is not a valid port: use a whole number from 1 to 65535/,
    ],
    [{ DURABLE_GUARD_API_PORT: '65536' }, 'DURABLE_GUARD_API_PORT', /'65536' is not a valid port/],
    [{ DURABLE_GUARD_API_PORT: '80a' }, 'DURABLE_GUARD_API_PORT', /'80a' is not a valid port/],
    [{ DURABLE_GUARD_API_PORT: '8080.5' }, 'DURABLE_GUARD_API_PORT', /is not a valid port/],
    [{ DURABLE_GUARD_API_PORT: '-1' }, 'DURABLE_GUARD_API_PORT', /is not a valid port/],
    [{ DURABLE_GUARD_LINK_SECRET: 'short' }, 'DURABLE_GUARD_LINK_SECRET', /shorter than 32 bytes: .*openssl rand/],
    [{ DURABLE_GUARD_PUBLIC_URL: 'guard.example.com' }, 'DURABLE_GUARD_PUBLIC_URL', /is not an http\(s\) URL/],
    [{ DURABLE_GUARD_PUBLIC_URL: 'ftp://x.example' }, 'DURABLE_GUARD_PUBLIC_URL', /is not an http\(s\) URL/],
    [{ DURABLE_GUARD_METRICS_PORT: 'http' }, 'DURABLE_GUARD_METRICS_PORT', /'http' is not a valid port/],
    [
      { DURABLE_GUARD_METRICS_PORT: '8080' },
      'DURABLE_GUARD_METRICS_PORT',
      /equals DURABLE_GUARD_API_PORT \(8080\): give the metrics endpoint another port/,
    ],
    [
      { DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES: '0' },
      'DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES',
      /'0' is not a valid activity slot count: use a whole number from 1 to 100000/,
    ],
    [
      { DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES: '1e3' },
      'DURABLE_GUARD_MAX_CONCURRENT_ACTIVITIES',
      /not a valid activity slot count/,
    ],
    [
      { DURABLE_GUARD_MAX_CACHED_WORKFLOWS: 'lots' },
      'DURABLE_GUARD_MAX_CACHED_WORKFLOWS',
      /'lots' is not a valid workflow cache size/,
    ],
    [
      { DURABLE_GUARD_WORKFLOW_HEAP_MB: '32' },
      'DURABLE_GUARD_WORKFLOW_HEAP_MB',
      /'32' is not a valid heap size in MB: use a whole number from 64 to 65536/,
    ],
    [
      { DURABLE_GUARD_POLICY: ',,' },
      'DURABLE_GUARD_POLICY',
      /names no file: give one or more policy paths separated by commas/,
    ],
    [
      { DURABLE_GUARD_SHADOW_POLICY: ', ,' },
      'DURABLE_GUARD_SHADOW_POLICY',
      /DURABLE_GUARD_SHADOW_POLICY=', ,' names no file/,
    ],
    [{ DURABLE_GUARD_TASK_QUEUE: 'durable guard' }, 'DURABLE_GUARD_TASK_QUEUE', /contains whitespace/],
    [{ DURABLE_GUARD_API_HOST: '0.0.0.0 ' + '::' }, 'DURABLE_GUARD_API_HOST', /contains whitespace/],
  ])('rejects %j', (env, variable, message) => {
    let caught: unknown;
    try {
      loadGuardConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ name: 'ConfigError', variable, message: expect.stringMatching(message) });
  });
});
