import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import pLimit from 'p-limit';
import { loadCandidate } from '../../src/backtest/candidate';
import { recordedCallsQuery } from '../../src/backtest/recorded-query';
import { runBacktest } from '../../src/backtest/run-backtest';
import { LAST_BACKTEST_FILE, readSavedBacktest } from '../../src/backtest/saved-backtest';
import type { BacktestSummary } from '../../src/backtest/tally';
import { GuardClient } from '../../src/client';
import { encryptingDataConverter } from '../../src/codec';
import { PolicyEngine } from '../../src/policy';
import { CALL_RECORD_LIMIT } from '../../src/workflows/call-record';
import { integrationEnv, recordHistory, waitFor } from './helpers';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures', 'backtest');
const keys = `k1:${randomBytes(32).toString('base64')}`;
const dataConverter = encryptingDataConverter([{ id: 'k1', key: Buffer.from(keys.slice(3), 'base64') }]);

type Env = Awaited<ReturnType<typeof integrationEnv>>;
let env: Env;
let secretEnv: Env;
/** A worker with call records off (DURABLE_GUARD_CALL_RECORDS=false). */
let unrecordedEnv: Env;
let forgedId: string;
const workers: { worker: Worker; running: Promise<void> }[] = [];

/** The recorded calls: 220 under policies/example.yaml, escalations approved and denied by finance. */
const plan = {
  lookups: 100, // get_order: allow
  smallRefunds: 30, // 700: allow
  emails: 30, // PII in the body: modify
  hugeRefunds: 20, // 60000: block
  refunds2000: { approved: 12, denied: 8 }, // escalate
  refunds8000: { approved: 11, denied: 9 }, // escalate
};
const total = 100 + 30 + 30 + 20 + 20 + 20;

async function record(
  target: Env,
  calls: { tool: string; input: Record<string, unknown>; decide?: 'approve' | 'deny' }[],
) {
  // A patient client: the shared machine can take seconds to decide.
  const guard = new GuardClient({ client: target.client, taskQueue: target.taskQueue, unavailableAfter: '2 minutes' });
  const limit = pLimit(8);
  await Promise.all(
    calls.map((c) =>
      limit(async () => {
        const result = await guard.check(c.tool, c.input);
        if (c.decide === 'approve') await guard.approve(result.escalationId!, { by: 'fin', groups: ['finance'] });
        if (c.decide === 'deny') await guard.deny(result.escalationId!, { by: 'fin', groups: ['finance'] });
      }),
    ),
  );
  const query = `WorkflowType = 'guardedCall' AND TaskQueue = '${target.taskQueue}' AND ExecutionStatus = 'Completed'`;
  await waitFor(
    async () => ((await target.client.workflow.count(query)).count === calls.length ? true : undefined),
    180_000,
  );
}

const bigNote = Array.from({ length: CALL_RECORD_LIMIT / 8 }, (_, i) => `item ${i}`).join(', ');
const bigCall = { tool: 'send_email', input: { to: 'ops@example.com', body: bigNote } };

function repeat<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

beforeAll(async () => {
  const engine = PolicyEngine.fromFiles([join(root, 'policies', 'example.yaml')]);
  env = await integrationEnv('backtest');
  secretEnv = await integrationEnv('backtest-secret', { dataConverter });
  unrecordedEnv = await integrationEnv('backtest-unrecorded');
  for (const [target, extra] of [
    [env, {}],
    [secretEnv, { dataConverter }],
    [unrecordedEnv, { callRecords: false }],
  ] as const) {
    const worker = await target.worker(engine, undefined, undefined, extra);
    workers.push({ worker, running: worker.run() });
  }
  const refund = (amount: number, decide: 'approve' | 'deny') => ({
    tool: 'process_refund',
    input: { amount },
    decide,
  });
  await record(env, [
    ...repeat(plan.lookups, (i) => ({ tool: 'get_order', input: { orderId: `o-${i}` } })),
    ...repeat(plan.smallRefunds, () => ({ tool: 'process_refund', input: { amount: 700 } })),
    ...repeat(plan.emails, (i) => ({
      tool: 'send_email',
      input: { to: 'a@example.com', body: `Customer jane${i}@example.org` },
    })),
    ...repeat(plan.hugeRefunds, () => ({ tool: 'process_refund', input: { amount: 60000 } })),
    ...repeat(plan.refunds2000.approved, () => refund(2000, 'approve')),
    ...repeat(plan.refunds2000.denied, () => refund(2000, 'deny')),
    ...repeat(plan.refunds8000.approved, () => refund(8000, 'approve')),
    ...repeat(plan.refunds8000.denied, () => refund(8000, 'deny')),
  ]);
  await record(secretEnv, [
    ...repeat(5, (i) => ({ tool: 'get_order', input: { orderId: `s-${i}` } })),
    ...repeat(3, () => refund(8000, 'approve')),
    // Too big for the memo's record: backtested from its history.
    bigCall,
  ]);
  await record(unrecordedEnv, [
    ...repeat(2, (i) => ({ tool: 'get_order', input: { orderId: `u-${i}` } })),
    refund(8000, 'approve'),
  ]);
  // A plain client's start with a memo that claims a harmless, approved call: the workflow clears both claims.
  const forged = await unrecordedEnv.client.workflow.start('guardedCall', {
    taskQueue: unrecordedEnv.taskQueue,
    workflowId: `forged-memo-${Date.now()}`,
    args: [{ tool: 'process_refund', input: { amount: 60000 } }],
    memo: {
      call: { tool: 'get_order', input: { orderId: 'harmless' } },
      decidedBy: { kind: 'human', identity: 'nobody', at: new Date().toISOString() },
    },
  });
  await forged.result();
  forgedId = forged.workflowId;
}, 480_000);

afterAll(async () => {
  for (const { worker, running } of workers) {
    worker.shutdown();
    await running;
  }
  await env?.close();
  await secretEnv?.close();
  await unrecordedEnv?.close();
});

/** A gRPC interceptor counting the calls to each Temporal API method. */
function countingCalls(): { calls: Map<string, number>; counting: Interceptor } {
  const calls = new Map<string, number>();
  const counting: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '';
    calls.set(method, (calls.get(method) ?? 0) + 1);
    return new InterceptingCall(nextCall(options));
  };
  return { calls, counting };
}

function backtest(target: Env, file: string, client: Client = target.client, limit?: number): Promise<BacktestSummary> {
  const query = recordedCallsQuery({ sinceMs: 3_600_000, query: `TaskQueue = '${target.taskQueue}'` }, new Date());
  return runBacktest(client, loadCandidate([join(fixtures, file)]), query, {
    concurrency: 8,
    ...(limit ? { limit } : {}),
  });
}

test('a stricter candidate: the matrix, the rules behind each change and the sharp cases', async () => {
  const summary = await backtest(env, 'stricter.yaml');
  expect(summary.decided).toBe(total);
  expect(summary.matrix).toEqual({
    allow: { allow: 100, escalate: 30 },
    modify: { modify: 30 },
    escalate: { escalate: 20, block: 20 },
    block: { block: 20 },
  });
  expect(summary.changed).toBe(50);
  expect(summary.rulesByTransition).toEqual({
    'allow->escalate': { 'big-refund': 30 },
    'escalate->block': { 'refund-cap': 20 },
  });
  expect(summary.sharp['approved-would-block'].count).toBe(11);
  expect(summary.sharp['allowed-would-escalate'].count).toBe(30);
  expect(summary.sharp['approved-would-block'].examples).toHaveLength(3);
  for (const example of summary.sharp['approved-would-block'].examples) {
    expect(example).toMatchObject({ tool: 'process_refund', from: 'escalate', to: 'block', outcome: 'approved' });
    expect(example.rules).toEqual(['refund-cap']);
  }
  expect(summary.outcomes).toEqual({ approved: 23, denied: 17 });
  expect(summary.skipped).toMatchObject({ invalid: 0, unreadable: 0, withoutNetworkRules: 0 });
  const recordedVersion = PolicyEngine.fromFiles([join(root, 'policies', 'example.yaml')]).version;
  expect(summary.policyVersions).toEqual({ [recordedVersion]: total });
});

test('a looser candidate: escalations that would be allowed, no sharp cases', async () => {
  const summary = await backtest(env, 'looser.yaml');
  expect(summary.matrix).toEqual({
    allow: { allow: 130 },
    modify: { modify: 30 },
    escalate: { allow: 20, escalate: 20 },
    block: { block: 20 },
  });
  expect(summary.rulesByTransition).toEqual({
    'escalate->allow': { 'payment-needs-approval': 20, 'big-refund': 20 },
  });
  expect(summary.sharp['approved-would-block'].count).toBe(0);
  expect(summary.sharp['allowed-would-escalate'].count).toBe(0);
  expect(summary.examples['escalate->allow']?.[0]).toMatchObject({
    tool: 'process_refund',
    from: 'escalate',
    to: 'allow',
  });
});

test('--limit stops after that many calls', async () => {
  expect((await backtest(env, 'looser.yaml', env.client, 25)).decided).toBe(25);
});

test('encrypted records are decided with the codec keys, and unreadable without them', async () => {
  const summary = await backtest(secretEnv, 'stricter.yaml');
  expect(summary.matrix).toEqual({ allow: { allow: 6 }, escalate: { block: 3 } });
  expect(summary.sharp['approved-would-block'].count).toBe(3);

  const plain = new Client({ connection: secretEnv.client.connection });
  const blind = await backtest(secretEnv, 'stricter.yaml', plain);
  expect(blind.decided).toBe(0);
  expect(blind.skipped.unreadable).toBe(9);
  expect(blind.skipped.firstReason).toMatch(/encod|decrypt|codec/i);
});

test('calls recorded in their memo are backtested from visibility alone: no history read but the oversized one', async () => {
  const { calls, counting } = countingCalls();
  const connection = await Connection.connect({ address: secretEnv.address, interceptors: [counting] });
  try {
    const summary = await backtest(secretEnv, 'stricter.yaml', new Client({ connection, dataConverter }));
    expect(summary.decided).toBe(9);
    expect(summary.outcomes).toEqual({ approved: 3 });
    expect(calls.get('ListWorkflowExecutions')).toBe(1);
    expect(calls.get('GetWorkflowExecutionHistory')).toBe(1);
  } finally {
    await connection.close();
  }
});

test('a worker with call records off writes none: its calls are backtested from their histories', async () => {
  const { calls, counting } = countingCalls();
  const connection = await Connection.connect({ address: unrecordedEnv.address, interceptors: [counting] });
  try {
    const summary = await backtest(unrecordedEnv, 'stricter.yaml', new Client({ connection }));
    // The forged start memo is not taken for a record: the refund is read from its history, a policy's block.
    expect(summary.matrix).toEqual({ allow: { allow: 2 }, escalate: { block: 1 }, block: { block: 1 } });
    expect(summary.outcomes).toEqual({ approved: 1 });
    expect(calls.get('GetWorkflowExecutionHistory')).toBe(4);
  } finally {
    await connection.close();
  }
  for await (const info of unrecordedEnv.client.workflow.list({ query: `TaskQueue = '${unrecordedEnv.taskQueue}'` })) {
    expect(info.memo?.call).toBeUndefined();
    expect(info.memo?.reason).toEqual(expect.any(String));
    // Only the approved refund was resolved by a human; the forged claim is gone.
    const humanResolved = info.searchAttributes.GuardTool?.[0] === 'process_refund' && info.workflowId !== forgedId;
    expect({ id: info.workflowId, decidedBy: info.memo?.decidedBy != null }).toEqual({
      id: info.workflowId,
      decidedBy: humanResolved,
    });
    if (info.workflowId === forgedId) {
      await recordHistory(unrecordedEnv.client.workflow.getHandle(info.workflowId), 'block-forged-start-memo');
    }
    if (info.searchAttributes.GuardTool?.[0] === 'get_order') {
      await recordHistory(unrecordedEnv.client.workflow.getHandle(info.workflowId), 'allow-call-records-off');
    }
  }
});

test("the decision's memo records the call and the policy version; an oversized call records none", async () => {
  const version = PolicyEngine.fromFiles([join(root, 'policies', 'example.yaml')]).version;
  const first = async (target: Env, where: string) => {
    const query = `TaskQueue = '${target.taskQueue}' AND ${where}`;
    for await (const info of target.client.workflow.list({ query }))
      return target.client.workflow.getHandle(info.workflowId);
    throw new Error(`no call matches ${query}`);
  };
  const allowed = await first(env, `GuardTool = 'get_order'`);
  const { memo } = await allowed.describe();
  expect(memo?.call).toEqual({ tool: 'get_order', input: { orderId: expect.any(String) }, policyVersion: version });
  await recordHistory(allowed, 'allow-call-record');
  const modified = await first(env, `GuardTool = 'send_email'`);
  expect((await modified.describe()).memo?.call).toMatchObject({ tool: 'send_email', policyVersion: version });
  await recordHistory(modified, 'modify-call-record');
  const denied = await first(env, `GuardStatus = 'denied'`);
  expect((await denied.describe()).memo).toMatchObject({
    call: { tool: 'process_refund', input: { amount: expect.any(Number) }, policyVersion: version },
    decidedBy: { kind: 'human', identity: 'fin' },
  });
  await recordHistory(denied, 'escalate-deny-call-record');
  const oversized = await secretEnv.client.workflow.list({
    query: `TaskQueue = '${secretEnv.taskQueue}'`,
  });
  const withoutRecord: string[] = [];
  for await (const info of oversized)
    if (info.memo?.call === undefined) withoutRecord.push(info.searchAttributes.GuardTool?.[0] as string);
  expect(withoutRecord).toEqual(['send_email']);
});

/** The CLI's data directory, where `--save` keeps the summary by default. */
const dataDir = mkdtempSync(join(tmpdir(), 'dg-backtest-data-'));

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', 'policy', 'backtest', ...args],
      {
        cwd: root,
        env: { ...process.env, TEMPORAL_ADDRESS: env.address, DURABLE_GUARD_DATA_DIR: dataDir },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('the CLI: text report with Web UI links, --json, and --fail-on as a CI gate', async () => {
  const where = `TaskQueue = '${env.taskQueue}'`;
  const text = await cli(join(fixtures, 'stricter.yaml'), '--since', '1h', '--query', where);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^allow\s+100\s+0\s+30\s+0$/m);
  expect(text.stdout).toMatch(/^escalate\s+0\s+0\s+20\s+20$/m);
  expect(text.stdout).toContain('escalate->block: 20 calls; rules: refund-cap (20)');
  expect(text.stdout).toContain('approved-would-block: 11');
  expect(text.stdout).toMatch(
    /http:\/\/localhost:8233\/namespaces\/default\/workflows\/guard-[0-9a-f-]+\/[0-9a-f-]+\/history/,
  );

  const gate = await cli(
    join(fixtures, 'stricter.yaml'),
    '--query',
    where,
    '--json',
    '--fail-on',
    'approved-would-block>0',
    'block>=21',
    '--save',
  );
  expect(gate.code).toBe(1);
  const json = JSON.parse(gate.stdout) as BacktestSummary & { failedThresholds: string[] };
  expect(json.matrix.escalate).toEqual({ escalate: 20, block: 20 });
  expect(json.failedThresholds).toEqual(['approved-would-block>0 (is 11)']);
  expect(gate.stderr).toContain('backtest failed: approved-would-block>0 (is 11)');
  // --save kept the same summary for the inbox's Policies page, in the data directory.
  const saved = await readSavedBacktest(join(dataDir, LAST_BACKTEST_FILE));
  expect(saved).toEqual({
    savedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    candidateFiles: [join(fixtures, 'stricter.yaml')],
    failedThresholds: ['approved-would-block>0 (is 11)'],
    summary: JSON.parse(JSON.stringify({ ...json, failedThresholds: undefined })),
  });
  expect(gate.stderr).toContain(`backtest summary saved to ${join(dataDir, LAST_BACKTEST_FILE)}`);

  const pass = await cli(join(fixtures, 'looser.yaml'), '--query', where, '--json', '--fail-on', 'sharp>0');
  expect(pass.code).toBe(0);
}, 240_000);

test('a candidate that does not parse is refused with file, line and rule', async () => {
  const broken = join(fixtures, 'broken.yaml');
  const run = await cli(broken, '--query', `TaskQueue = '${env.taskQueue}'`);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`${broken}:6: rule 'big-refund': unknown action 'escalte'`);
  expect(run.stdout).toBe('');
}, 120_000);
