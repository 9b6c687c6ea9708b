import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from '@temporalio/worker';
import { GuardClient, type GuardBlocked, type GuardUnavailable } from '../../src/client';
import { guardToolCalls } from '../../src/integrations';
import { loadFixture } from '../fixtures/providers/load-fixture';
import { refundEscalated } from './fixtures/decisions';
import { closedPort, integrationEnv, tableDecider, rejectionWithin } from './helpers';

const BOUND = '1.5s';
/** Far above the bound plus the one probe after it: a guard that hangs fails here, not at Jest's timeout. */
const HANG_GUARD_MS = 8_000;

jest.setTimeout(60_000);

function rejection(promise: Promise<unknown>, hangMs = HANG_GUARD_MS): Promise<Error> {
  return rejectionWithin(promise, hangMs);
}

describe('Temporal unreachable (a closed port)', () => {
  let address: string;
  let guard: GuardClient;
  const taskQueue = `unreachable-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    address = `127.0.0.1:${await closedPort()}`;
    guard = new GuardClient({ address, namespace: 'guard-ns', taskQueue, unavailableAfter: BOUND });
  });
  afterAll(async () => {
    await guard.client.connection.close();
  });

  test('check() throws GuardUnavailable naming the address, the namespace and what was tried', async () => {
    const error = (await rejection(
      guard.check('send_email', { to: 'a@example.com' }, { callId: 'unreachable-1' }),
    )) as GuardUnavailable;
    expect(error).toMatchObject({
      name: 'GuardUnavailable',
      code: 'GUARD_UNAVAILABLE',
      address,
      namespace: 'guard-ns',
      taskQueue,
      operation: 'start',
      reason: 'unreachable',
      callId: 'unreachable-1',
    });
    expect(error.elapsedMs).toBeGreaterThanOrEqual(1_500);
    expect(error.message).toMatch(
      new RegExp(
        `^guard unavailable: Temporal at ${address}, namespace guard-ns did not answer within \\d+\\.\\d s while starting the guarded call \\(call unreachable-1\\)`,
      ),
    );
    expect(error.message).toContain('check TEMPORAL_ADDRESS');
    expect(error.message).toContain('No decision was made, so the tool must not run.');
  });

  test.each<[string, (g: GuardClient) => Promise<unknown>, string]>([
    ['run()', (g) => g.run('send_email', { to: 'a@example.com' }), 'start'],
    ['status()', (g) => g.status('some-call'), 'status'],
    ['approve()', (g) => g.approve('some-call', { by: 'dana' }), 'approve'],
    ['deny()', (g) => g.deny('some-call', { by: 'dana', reason: 'no' }), 'deny'],
    ['waitForResult()', (g) => g.waitForResult('some-call'), 'result'],
  ])('%s throws GuardUnavailable too', async (_name, call, operation) => {
    const error = await rejection(call(guard));
    expect(error).toMatchObject({ name: 'GuardUnavailable', operation, reason: 'unreachable', address });
  });

  test("the integrations propagate it by default, and with onUnavailable: 'block' block every call", async () => {
    const propagated = await rejection(guardToolCalls(loadFixture('anthropic-order-tools'), guard));
    expect(propagated).toMatchObject({ name: 'GuardUnavailable', reason: 'unreachable' });

    const thrown = (await rejection(
      guardToolCalls(loadFixture('anthropic-order-tools'), guard, { onUnavailable: 'block' }),
    )) as GuardBlocked;
    expect(thrown.name).toBe('GuardBlocked');
    expect(thrown.blocked.map((call) => call.tool)).toEqual(['lookup_order', 'send_email']);
    for (const call of thrown.blocked) expect(call.reason).toMatch(/^guard unavailable: Temporal at /);

    const response = loadFixture<{ content: { type: string }[] }>('anthropic-order-tools');
    const summary = await guardToolCalls(response, guard, { onUnavailable: 'block', onBlock: 'tool-result' });
    expect(summary.results.map((r) => r.result.action)).toEqual(['block', 'block']);
    expect(response.content.filter((block) => block.type === 'tool_use')).toEqual([]);
    expect(summary.toolResults).toHaveLength(2);
    for (const message of summary.toolResults) {
      expect(message).toMatchObject({ type: 'tool_result', is_error: true });
      expect((message as { content: string }).content).toContain('guard unavailable: Temporal at');
    }
  });

  test('the CLI prints the message and exits with code 69', async () => {
    const root = join(__dirname, '..', '..');
    const outcome = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'src/cli/main.ts',
        'check',
        'send_email',
        '{"to":"a@example.com"}',
        '--unavailable-after',
        '1s',
      ],
      { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: address } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    expect(outcome.code).toBe(69);
    expect(outcome.stderr).toMatch(new RegExp(`^error: GUARD_UNAVAILABLE: guard unavailable: Temporal at ${address}`));
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('Temporal answers but no worker polls the task queue', () => {
  let env: Awaited<ReturnType<typeof integrationEnv>>;
  let guard: GuardClient;

  beforeAll(async () => {
    env = await integrationEnv('no-worker');
    guard = new GuardClient({ client: env.client, taskQueue: env.taskQueue, unavailableAfter: BOUND });
  });
  afterAll(async () => {
    await env.close();
  });

  test('check() throws GuardUnavailable naming the task queue; a worker that starts later decides the call', async () => {
    const callId = `no-worker-${randomUUID()}`;
    const error = (await rejection(guard.check('lookup_order', { id: 'ord_1' }, { callId }))) as GuardUnavailable;
    expect(error).toMatchObject({
      name: 'GuardUnavailable',
      code: 'GUARD_UNAVAILABLE',
      operation: 'decision',
      reason: 'no-worker',
      taskQueue: env.taskQueue,
      namespace: 'default',
      callId,
    });
    expect(error.address).toBe(env.address);
    expect(error.message).toMatch(
      /answered, but no worker took the call within \d+\.\d s while waiting for the policy decision/,
    );
    expect(error.message).toContain(`polling task queue '${env.taskQueue}'`);
    expect(error.message).toContain(`The call stays queued as ${callId}`);

    // What the message promises: retrying with the callId once a worker runs gets that call's decision.
    const worker: Worker = await env.worker(tableDecider({}));
    const result = await worker.runUntil(guard.check('lookup_order', { id: 'ord_1' }, { callId }));
    expect(result).toMatchObject({ action: 'allow', escalationId: callId });
  });

  test('approve() and status() of an escalation whose worker has gone throw GuardUnavailable', async () => {
    const worker: Worker = await env.worker(tableDecider({ process_refund: refundEscalated() }));
    const escalated = await worker.runUntil(guard.check('process_refund', { amount: 4200 }));
    expect(escalated.action).toBe('escalate');
    const id = escalated.escalationId as string;

    const approval = await rejection(guard.approve(id, { by: 'dana' }));
    expect(approval).toMatchObject({ name: 'GuardUnavailable', operation: 'approve', reason: 'no-worker', callId: id });
    expect(approval.message).toContain('The escalation was not decided');
    const status = await rejection(guard.status(id));
    expect(status).toMatchObject({ name: 'GuardUnavailable', operation: 'status', reason: 'no-worker', callId: id });
  });

  test('run() with no worker throws GuardUnavailable while waiting for the result', async () => {
    const error = await rejection(guard.run('lookup_order', { id: 'ord_2' }));
    expect(error).toMatchObject({ name: 'GuardUnavailable', operation: 'result', reason: 'no-worker' });
  });

  test("guardToolCalls with onUnavailable: 'block' blocks the calls no worker decides", async () => {
    const summary = await guardToolCalls(loadFixture('anthropic-order-tools'), guard, {
      onUnavailable: 'block',
      onBlock: 'tool-result',
      callIdPrefix: `no-worker-${randomUUID().slice(0, 8)}-`,
    });
    expect(summary.blocked).toHaveLength(2);
    for (const call of summary.blocked) {
      expect(call.reason).toContain(`polling task queue '${env.taskQueue}'`);
      expect(call.escalationId).toMatch(/^no-worker-/);
    }
  });
});
