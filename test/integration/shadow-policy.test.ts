import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Worker } from '@temporalio/worker';
import { request } from 'undici';
import { PolicyStore } from '../../src/policy';
import { freePort } from '../../src/server/dev-server';
import { ShadowPolicy } from '../../src/shadow/shadow-policy';
import { countShadowDecisions } from '../../src/shadow/shadow-summary';
import { createTracing } from '../../src/telemetry/tracing';
import {
  guardShadowActionKey,
  statusQuery,
  type GuardResult,
  type ShadowDecision,
} from '../../src/workflows/definitions';
import { runCli, spawnCli, type CliProcess } from './cli-process';
import { integrationEnv, recordHistory, waitFor } from './helpers';

const root = join(__dirname, '..', '..');
const livePolicy = join(root, 'policies', 'example.yaml');
const shadowFile = join(__dirname, 'fixtures', 'shadow', 'stricter-with-judge.yaml');
const brokenFile = join(__dirname, 'fixtures', 'backtest', 'broken.yaml');

type Env = Awaited<ReturnType<typeof integrationEnv>>;
let env: Env;
let plain: Env;
const workers: { worker: Worker; running: Promise<void> }[] = [];
const exporter = new InMemorySpanExporter();
const tracing = createTracing({ exporter, batch: false, register: false });
let shadow: ShadowPolicy;
let live: PolicyStore;

/** The calls, each with the live action and the shadow policy's (stricter: refunds over 500 escalate, 5000 block). */
const calls: {
  name: string;
  tool: string;
  input: Record<string, unknown>;
  live: GuardResult['action'];
  shadow: ShadowDecision['action'];
  decide?: 'approve' | 'deny';
}[] = [
  { name: 'lookup-1', tool: 'get_order', input: { orderId: 'o-1' }, live: 'allow', shadow: 'allow' },
  { name: 'lookup-2', tool: 'get_order', input: { orderId: 'o-2' }, live: 'allow', shadow: 'allow' },
  { name: 'refund-700-a', tool: 'process_refund', input: { amount: 700 }, live: 'allow', shadow: 'escalate' },
  { name: 'refund-700-b', tool: 'process_refund', input: { amount: 700 }, live: 'allow', shadow: 'escalate' },
  {
    name: 'email-pii',
    tool: 'send_email',
    input: { to: 'a@example.com', body: 'Customer jane@example.org' },
    live: 'modify',
    shadow: 'modify',
  },
  { name: 'refund-huge', tool: 'process_refund', input: { amount: 60000 }, live: 'block', shadow: 'block' },
  {
    name: 'refund-2000',
    tool: 'process_refund',
    input: { amount: 2000 },
    live: 'escalate',
    shadow: 'escalate',
    decide: 'approve',
  },
  {
    name: 'refund-8000-a',
    tool: 'process_refund',
    input: { amount: 8000 },
    live: 'escalate',
    shadow: 'block',
    decide: 'approve',
  },
  {
    name: 'refund-8000-b',
    tool: 'process_refund',
    input: { amount: 8000 },
    live: 'escalate',
    shadow: 'block',
    decide: 'deny',
  },
];

/** What each call got, on the worker with the shadow policy and on the one without. */
const shadowed = new Map<string, GuardResult>();
const unshadowed = new Map<string, GuardResult>();

async function decideAll(target: Env, into: Map<string, GuardResult>): Promise<void> {
  for (const call of calls) {
    const result = await target.guard.check(call.tool, call.input);
    into.set(call.name, result);
    if (call.decide === 'approve') {
      await target.guard.approve(result.escalationId!, { by: 'fin', groups: ['finance'] });
    }
    if (call.decide === 'deny') await target.guard.deny(result.escalationId!, { by: 'fin', groups: ['finance'] });
  }
  const done = `WorkflowType = 'guardedCall' AND TaskQueue = '${target.taskQueue}' AND ExecutionStatus = 'Completed'`;
  await waitFor(
    async () => ((await target.client.workflow.count(done)).count === calls.length ? true : undefined),
    120_000,
  ).catch(async (err: unknown) => {
    const open: string[] = [];
    for await (const w of target.client.workflow.list({ query: `TaskQueue = '${target.taskQueue}'` })) {
      open.push(`${w.workflowId} ${w.status.name} ${JSON.stringify(w.searchAttributes)}`);
    }
    throw new Error(`${String(err)}: ${open.join('\n')}`);
  });
}

beforeAll(async () => {
  live = new PolicyStore([livePolicy]);
  shadow = new ShadowPolicy([shadowFile]);
  env = await integrationEnv('shadow');
  plain = await integrationEnv('shadow-none');
  const withShadow = await env.worker(live, undefined, undefined, { shadow, tracing });
  const without = await plain.worker(live);
  for (const worker of [withShadow, without]) workers.push({ worker, running: worker.run() });
  await decideAll(env, shadowed);
  await decideAll(plain, unshadowed);
}, 300_000);

afterAll(async () => {
  for (const { worker, running } of workers) {
    worker.shutdown();
    await running;
  }
  shadow?.close();
  live?.close();
  await env?.close();
  await plain?.close();
  await tracing.tracerProvider.shutdown();
});

test('the live outcomes are those of a worker without a shadow policy', async () => {
  for (const call of calls) {
    const withShadow = shadowed.get(call.name)!;
    const without = unshadowed.get(call.name)!;
    expect({ name: call.name, action: withShadow.action }).toEqual({ name: call.name, action: call.live });
    expect(withShadow.action).toBe(without.action);
    expect(withShadow.modifiedInput).toEqual(without.modifiedInput);
    expect(withShadow.rulesTriggered).toEqual(without.rulesTriggered);
    expect(withShadow.policyVersion).toBe(live.version);
    expect(withShadow).not.toHaveProperty('shadow');
    const finalWith = await env.guard.waitForResult(withShadow.escalationId!);
    const finalWithout = await plain.guard.waitForResult(without.escalationId!);
    expect(finalWith.action).toBe(finalWithout.action);
  }
  expect((await env.guard.waitForResult(shadowed.get('refund-8000-a')!.escalationId!)).action).toBe('allow');
  expect((await env.guard.waitForResult(shadowed.get('refund-8000-b')!.escalationId!)).action).toBe('block');
});

test('GuardShadowAction by visibility query, and the shadow decision in the memo and the status query', async () => {
  for (const action of ['allow', 'modify', 'escalate', 'block', 'error'] as const) {
    const expected = calls.filter((c) => c.shadow === action).length;
    const query = `TaskQueue = '${env.taskQueue}' AND GuardShadowAction = '${action}'`;
    expect({ action, count: (await env.client.workflow.count(query)).count }).toEqual({ action, count: expected });
  }
  const email = env.client.workflow.getHandle(shadowed.get('email-pii')!.escalationId!);
  const description = await email.describe();
  expect(description.typedSearchAttributes.get(guardShadowActionKey)).toBe('modify');
  // The llm-judge rule of the shadow policy was not called (its unreachable judge would have blocked): skipped.
  const memoShadow = description.memo?.shadow as ShadowDecision;
  expect(memoShadow).toMatchObject({ action: 'modify', policyVersion: shadow.version, skippedRules: ['email-judge'] });
  expect(memoShadow.rules.length).toBeGreaterThan(0);
  const refund = env.client.workflow.getHandle(shadowed.get('refund-700-a')!.escalationId!);
  expect((await refund.describe()).memo?.shadow).toEqual({
    action: 'escalate',
    rules: ['big-refund'],
    policyVersion: shadow.version,
  });
  expect((await refund.query(statusQuery)).shadow).toMatchObject({ action: 'escalate', rules: ['big-refund'] });
});

test('a worker without a shadow policy records nothing new: no GuardShadowAction, no memo, no extra upsert', async () => {
  for (const call of calls) {
    const handle = plain.client.workflow.getHandle(unshadowed.get(call.name)!.escalationId!);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(guardShadowActionKey)).toBeUndefined();
    expect(description.memo?.shadow).toBeUndefined();
    expect((await handle.query(statusQuery)).shadow).toBeUndefined();
    // The shadow's attribute rides in the decision's own upsert: the same number of upserts either way.
    const upserts = async (h: typeof handle) =>
      ((await h.fetchHistory()).events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    const twin = env.client.workflow.getHandle(shadowed.get(call.name)!.escalationId!);
    expect({ name: call.name, upserts: await upserts(handle) }).toEqual({
      name: call.name,
      upserts: await upserts(twin),
    });
  }
  expect(
    (await plain.client.workflow.count(`TaskQueue = '${plain.taskQueue}' AND GuardShadowAction = 'allow'`)).count,
  ).toBe(0);
});

test('a span guard:shadow:<tool> for each disagreement, none where the shadow agrees', () => {
  const spans = exporter.getFinishedSpans().filter((s) => s.name.startsWith('guard:shadow:'));
  const disagreeing = calls.filter((c) => c.live !== c.shadow);
  expect(spans.map((s) => s.attributes['guard.escalation_id']).sort()).toEqual(
    disagreeing.map((c) => shadowed.get(c.name)!.escalationId).sort(),
  );
  const refund = spans.find((s) => s.attributes['guard.escalation_id'] === shadowed.get('refund-8000-a')!.escalationId);
  expect(refund?.name).toBe('guard:shadow:process_refund');
  expect(refund?.attributes).toMatchObject({
    'guard.tool': 'process_refund',
    'guard.action': 'escalate',
    'guard.shadow.action': 'block',
    'guard.shadow.rule_ids': ['payment-needs-approval', 'refund-cap', 'big-refund'],
    'guard.shadow.policy_version': shadow.version,
  });
});

test('the recorded disagreement, summarised from visibility counts', async () => {
  const summary = await countShadowDecisions(env.client, {
    sinceMs: 3_600_000,
    query: `TaskQueue = '${env.taskQueue}'`,
  });
  expect(summary).toMatchObject({
    total: 9,
    agreed: 5,
    disagreed: 4,
    matrix: {
      allow: { allow: 2, escalate: 2 },
      modify: { modify: 1 },
      escalate: { escalate: 1, block: 2 },
      block: { block: 1 },
    },
  });
  const refunds = await countShadowDecisions(env.client, {
    sinceMs: 3_600_000,
    tool: 'process_refund',
    query: `TaskQueue = '${env.taskQueue}'`,
  });
  expect(refunds.matrix).toEqual({ allow: { escalate: 2 }, escalate: { escalate: 1, block: 2 }, block: { block: 1 } });
  const none = await countShadowDecisions(plain.client, {
    sinceMs: 3_600_000,
    query: `TaskQueue = '${plain.taskQueue}'`,
  });
  expect(none).toMatchObject({ total: 0, matrix: {} });
});

test('`policy backtest --shadow`: the matrix as text and as JSON; a candidate file with it is refused', async () => {
  const where = `TaskQueue = '${env.taskQueue}'`;
  const cliEnv = { TEMPORAL_ADDRESS: env.address };
  const text = await runCli(cliEnv, ['policy', 'backtest', '--shadow', '--since', '1h', '--query', where]);
  if (text.code !== 0) throw new Error(`policy backtest --shadow exited ${text.code}: ${text.stderr}`);
  expect(text.stdout).toMatch(/^shadow decisions recorded: 9$/m);
  expect(text.stdout).toMatch(/^live \\ shadow\s+allow\s+modify\s+escalate\s+block$/m);
  expect(text.stdout).toMatch(/^allow\s+2\s+0\s+2\s+0$/m);
  expect(text.stdout).toMatch(/^modify\s+0\s+1\s+0\s+0$/m);
  expect(text.stdout).toMatch(/^escalate\s+0\s+0\s+1\s+2$/m);
  expect(text.stdout).toMatch(/^block\s+0\s+0\s+0\s+1$/m);
  expect(text.stdout).toContain('disagreed: 4 (44.4%), agreed: 5');

  const json = await runCli(cliEnv, [
    'policy',
    'backtest',
    '--shadow',
    '--tool',
    'get_order',
    '--query',
    where,
    '--json',
  ]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({ total: 2, agreed: 2, disagreed: 0, matrix: { allow: { allow: 2 } } });

  const refused = await runCli(cliEnv, ['policy', 'backtest', '--shadow', shadowFile]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('--shadow summarises what the workers');
});

describe('the durable-guard worker command', () => {
  let worker: CliProcess | undefined;
  let processEnv: Env;

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await processEnv?.close();
  });

  test('DURABLE_GUARD_SHADOW_POLICY: shadow decisions and the disagreement metric', async () => {
    processEnv = await integrationEnv('shadow-process');
    const port = await freePort();
    worker = spawnCli(
      {
        TEMPORAL_ADDRESS: processEnv.address,
        TEMPORAL_NAMESPACE: 'default',
        DURABLE_GUARD_TASK_QUEUE: processEnv.taskQueue,
        DURABLE_GUARD_POLICY: livePolicy,
        DURABLE_GUARD_SHADOW_POLICY: shadowFile,
        DURABLE_GUARD_METRICS_PORT: String(port),
        DURABLE_GUARD_API_PORT: String(await freePort()),
        OTEL_TRACES_EXPORTER: 'none',
      },
      ['worker'],
    );
    expect(await worker.line(/worker polling/, 60_000)).toContain(`shadow policy ${shadow.version}`);

    const allowed = await processEnv.guard.check('process_refund', { amount: 700 });
    expect(allowed.action).toBe('allow');
    expect((await processEnv.guard.check('get_order', { orderId: 'o-9' })).action).toBe('allow');
    const escalated = await processEnv.guard.check('process_refund', { amount: 8000 });
    expect(escalated.action).toBe('escalate');
    await processEnv.guard.approve(escalated.escalationId!, { by: 'fin', groups: ['finance'] });
    expect((await processEnv.guard.waitForResult(escalated.escalationId!)).action).toBe('allow');
    // The new path's histories, from the worker command itself (no tracing interceptors, as replay runs): an allow
    // the shadow would escalate, and an escalation a human approved that the shadow would block.
    await recordHistory(processEnv.client.workflow.getHandle(allowed.escalationId!), 'shadow-allow-disagree');
    await recordHistory(
      processEnv.client.workflow.getHandle(escalated.escalationId!),
      'shadow-escalate-approve-disagree',
    );
    // One sample per tool, live and shadow action; the agreeing lookup adds none.
    const sample = (body: string, labels: string) =>
      body
        .split('\n')
        .filter((l) => l.startsWith('durable_guard_shadow_disagreements{'))
        .filter((l) => labels.split(',').every((label) => l.includes(label)))
        .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    const body = await waitFor(async () => {
      const text = await (await request(`http://127.0.0.1:${port}/metrics`)).body.text();
      return sample(text, 'shadow_action="block"').length > 0 ? text : undefined;
    }, 60_000);
    expect(sample(body, 'tool="process_refund",action="allow",shadow_action="escalate"')).toEqual([1]);
    expect(sample(body, 'tool="process_refund",action="escalate",shadow_action="block"')).toEqual([1]);
    expect(sample(body, 'tool="get_order"')).toEqual([]);
    const query = `TaskQueue = '${processEnv.taskQueue}' AND GuardShadowAction = 'escalate'`;
    await waitFor(async () => ((await processEnv.client.workflow.count(query)).count === 1 ? true : undefined));
  }, 120_000);

  test('a shadow policy file that does not parse refuses to start the worker, naming file, line and rule', async () => {
    const run = await runCli(
      {
        TEMPORAL_ADDRESS: env.address,
        DURABLE_GUARD_TASK_QUEUE: 'shadow-refused',
        DURABLE_GUARD_POLICY: livePolicy,
        DURABLE_GUARD_SHADOW_POLICY: `${shadowFile},${brokenFile}`,
        DURABLE_GUARD_API_PORT: String(await freePort()),
        OTEL_TRACES_EXPORTER: 'none',
      },
      ['worker'],
    );
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toContain('DURABLE_GUARD_SHADOW_POLICY');
    expect(run.stderr).toMatch(/broken\.yaml:6: rule 'big-refund': unknown action 'escalte'/);
    expect(run.stderr).not.toContain('worker polling');
  }, 90_000);
});
