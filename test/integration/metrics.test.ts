import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from '../../src/server/dev-server';
import { integrationEnv, waitFor } from './helpers';

// Runtime.install happens once per process and the other integration helpers install it without metrics, so the
// worker under test is the real `durable-guard worker` command in a child process, scraped over HTTP.
const root = join(__dirname, '..', '..');
let child: ChildProcess;
let childLog = '';
let metricsUrl: string;
let env: Awaited<ReturnType<typeof integrationEnv>>;

beforeAll(async () => {
  env = await integrationEnv('metrics');
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', 'worker'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      DURABLE_GUARD_TASK_QUEUE: env.taskQueue,
      DURABLE_GUARD_POLICY: 'policies/example.yaml',
      DURABLE_GUARD_METRICS_PORT: String(port),
      DURABLE_GUARD_API_PORT: String(await freePort()),
      OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (childLog += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (childLog += chunk.toString()));
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`worker exited: ${childLog}`);
    return childLog.includes('worker polling') ? true : undefined;
  }, 60_000).catch((err: unknown) => {
    throw new Error(`worker did not start: ${String(err)}\n${childLog}`);
  });
}, 90_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await env.close();
});

async function scrape(): Promise<string> {
  const response = await request(metricsUrl);
  expect(response.statusCode).toBe(200);
  return response.body.text();
}

/** The value of the first sample of `name` whose labels include every one given. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

test('durable-guard worker serves Temporal runtime metrics and ours on DURABLE_GUARD_METRICS_PORT', async () => {
  const tool = `process_refund`;
  const marker = randomUUID().slice(0, 8);
  const context = { agent: `metrics-${marker}` };
  expect((await env.guard.check(tool, { amount: 100 }, { context })).action).toBe('allow');
  expect((await env.guard.check(tool, { amount: 100 }, { context })).action).toBe('allow');
  expect((await env.guard.check(tool, { amount: 60_000 }, { context })).action).toBe('block');
  expect((await env.guard.check('export_rows', { rows: 50_000 }, { context })).action).toBe('allow');

  const escalated = await env.guard.check(tool, { amount: 4200 }, { context });
  expect(escalated.action).toBe('escalate');
  await env.guard.approve(escalated.escalationId as string, { by: 'alice', groups: ['finance'] });
  await env.guard.waitForResult(escalated.escalationId as string);
  const timedOut = await env.guard.check(tool, { amount: 4300 }, { waitForEscalation: true, escalationTimeout: '1s' });
  expect(timedOut.decidedBy?.kind).toBe('timeout');

  const text = await waitFor(async () => {
    const body = await scrape();
    return sample(body, 'durable_guard_escalation_outcomes', { outcome: 'timeout' }) === 1 ? body : undefined;
  });
  expect(sample(text, 'durable_guard_decisions', { tool, action: 'allow' })).toBe(2);
  expect(sample(text, 'durable_guard_decisions', { tool, action: 'block' })).toBe(1);
  expect(sample(text, 'durable_guard_decisions', { tool, action: 'escalate' })).toBe(2);
  expect(sample(text, 'durable_guard_decisions', { tool: 'export_rows', action: 'allow' })).toBe(1);
  expect(sample(text, 'durable_guard_would_block', { tool: 'export_rows' })).toBe(1);
  expect(sample(text, 'durable_guard_escalation_outcomes', { tool, outcome: 'allow' })).toBe(1);
  expect(sample(text, 'durable_guard_escalation_wait_count', { tool, outcome: 'timeout' })).toBe(1);
  expect(sample(text, 'durable_guard_escalation_wait_sum', { tool, outcome: 'timeout' })).toBeGreaterThanOrEqual(1000);
  expect(sample(text, 'durable_guard_escalation_wait_bucket', { tool, outcome: 'allow', le: '+Inf' })).toBe(1);
  // Our buckets (up to three days), not the SDK's default ones that end at 10 s.
  expect(sample(text, 'durable_guard_escalation_wait_bucket', { tool, outcome: 'timeout', le: '60000' })).toBe(1);
  expect(sample(text, 'durable_guard_escalation_wait_bucket', { tool, outcome: 'timeout', le: '259200000' })).toBe(1);
  // Temporal's own worker metrics come from the same endpoint, labelled with our task queue.
  expect(sample(text, 'temporal_workflow_completed', { task_queue: env.taskQueue })).toBeGreaterThanOrEqual(6);
});
