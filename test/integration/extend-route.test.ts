/**
 * Extending an approval window from outside: `POST /v1/escalations/:id/extend` over HTTP (each refusal with its
 * code and status) and the CLI's `extend` command as its own process, on the run's dev server.
 */
import { Agent, request } from 'undici';
import { startApi, type RunningApi } from '../../src/api';
import { createApproverRegistry } from '../../src/approvals';
import type { CallStatus } from '../../src/workflows/definitions';
import { runCli } from './cli-process';
import { ALICE_AND_BOB, TOKENS } from './fixtures/approvers';
import { refundEscalated } from './fixtures/decisions';
import { tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  // A window of 60 s that approvers may extend to 120 s from its opening.
  refund_extendable: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'], maxWindowMs: 120_000 }),
  refund_fixed: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
});

const file = workerForFile('extend-route', decider);
let api: RunningApi;
const agent = new Agent();

beforeAll(async () => {
  api = await startApi({
    client: file.env.client,
    taskQueue: file.env.taskQueue,
    port: 0,
    approvers: createApproverRegistry(ALICE_AND_BOB),
  });
});

afterAll(async () => {
  await api.close();
  await agent.close();
});

async function extend(id: string, body: unknown, token = TOKENS.alice) {
  const res = await request(`${api.url}/v1/escalations/${encodeURIComponent(id)}/extend`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  const json = (await res.body.json()) as CallStatus & { error?: { code: string; message: string } };
  return { status: res.statusCode, json };
}

async function pending(tool: string): Promise<string> {
  const { escalationId } = await file.env.guard.check(tool, { amount: 4200 });
  const id = escalationId as string;
  await waitFor(async () => ((await file.env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  return id;
}

describe('POST /v1/escalations/:id/extend', () => {
  test('200 moves the end of the window and names the approver; 409 past maxWindow says how much is left', async () => {
    const id = await pending('refund_extendable');
    const before = Date.parse((await file.env.guard.status(id)).expiresAt!);
    const ok = await extend(id, { for: '30s', reason: 'waiting on the invoice' });
    expect(ok.status).toBe(200);
    expect(Date.parse(ok.json.expiresAt!) - before).toBe(30_000);
    expect(ok.json.ladder?.taken.at(-1)).toMatchObject({ kind: 'extend', by: 'alice' });

    const tooFar = await extend(id, { for: '1m' });
    expect(tooFar.status).toBe(409);
    expect(tooFar.json.error).toMatchObject({
      code: 'GUARD_EXTEND_REFUSED',
      message: expect.stringContaining('maxWindow 2m'),
    });
    expect((await file.env.guard.status(id)).expiresAt).toBe(ok.json.expiresAt);
  });

  test('400 for a duration that is not one', async () => {
    const id = await pending('refund_extendable');
    for (const body of [{ for: 'soon' }, { for: '0s' }, { for: '-5m' }]) {
      const bad = await extend(id, body);
      expect(bad.status).toBe(400);
      expect(bad.json.error?.code).toBe('GUARD_INVALID_REQUEST');
    }
    expect((await extend(id, { for: 'soon' })).json.error?.message).toContain('for=soon is not a duration');
    expect((await extend(id, {})).status).toBe(400);
    expect((await extend(id, { for: '1h', extra: 1 })).status).toBe(400);
  });

  test('403 for an approver outside the approver groups; the window is unchanged', async () => {
    const id = await pending('refund_extendable');
    const before = (await file.env.guard.status(id)).expiresAt;
    const bob = await extend(id, { for: '30s' }, TOKENS.bob);
    expect(bob.status).toBe(403);
    expect(bob.json.error).toMatchObject({ code: 'GUARD_FORBIDDEN', message: expect.stringContaining('finance') });
    expect((await file.env.guard.status(id)).expiresAt).toBe(before);
  });

  test('409 for a rule without maxWindow, and for a call decided already', async () => {
    const fixed = await pending('refund_fixed');
    const none = await extend(fixed, { for: '30s' });
    expect(none.status).toBe(409);
    expect(none.json.error).toMatchObject({
      code: 'GUARD_EXTEND_REFUSED',
      message: expect.stringContaining('sets no maxWindow'),
    });

    const decided = await pending('refund_extendable');
    await file.env.guard.deny(decided, { by: 'alice', groups: ['finance'], reason: 'no' });
    const late = await extend(decided, { for: '30s' });
    expect(late.status).toBe(409);
    expect(late.json.error?.code).toBe('GUARD_ALREADY_DECIDED');
  });

  test('404 for an unknown escalation', async () => {
    const unknown = await extend('guard-no-such-call', { for: '30s' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe('GUARD_ESCALATION_NOT_FOUND');
  });
});

describe('durable-guard extend', () => {
  const cliEnv = () => ({ TEMPORAL_ADDRESS: file.env.address, DURABLE_GUARD_TASK_QUEUE: file.env.taskQueue });

  test('extends within maxWindow and prints the status; refuses past it and a bad --for, exiting 1', async () => {
    const id = await pending('refund_extendable');
    const before = Date.parse((await file.env.guard.status(id)).expiresAt!);
    const ok = await runCli(cliEnv(), ['extend', id, '--for', '20s', '--by', 'fran', '--groups', 'finance']);
    expect(ok).toMatchObject({ code: 0 });
    const printed = JSON.parse(ok.stdout) as CallStatus;
    expect(Date.parse(printed.expiresAt!) - before).toBe(20_000);
    expect(printed.ladder?.taken.at(-1)).toMatchObject({ kind: 'extend', by: 'fran' });
    expect((await file.env.guard.status(id)).expiresAt).toBe(printed.expiresAt);

    const tooFar = await runCli(cliEnv(), ['extend', id, '--for', '2m', '--by', 'fran', '--groups', 'finance']);
    expect(tooFar.code).toBe(1);
    expect(tooFar.stderr).toContain('GUARD_EXTEND_REFUSED');

    const bad = await runCli(cliEnv(), ['extend', id, '--for', 'soon', '--by', 'fran', '--groups', 'finance']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--for');
    expect((await file.env.guard.status(id)).expiresAt).toBe(printed.expiresAt);
  }, 120_000);
});
