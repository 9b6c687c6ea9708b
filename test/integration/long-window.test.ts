/**
 * The done-when: a rule that says "remind after 4 h, add finance-leads after 24 h, two approvers above
 * 10,000, block after 72 h" behaves so on the dev server (the same policy with 1 h written as 250 ms, real webhooks
 * on 127.0.0.1, the HTTP approval API) and under time skipping with the hours themselves, and every final decision
 * carries a receipt that verifies, where a tampered one does not.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { createNotifier } from '../../src/activities/notify';
import { startApi, type RunningApi } from '../../src/api';
import { createApproverRegistry } from '../../src/approvals';
import type { GuardClient } from '../../src/client';
import { loadReceiptKeys } from '../../src/receipts/receipt-keys';
import { verifyReceipt } from '../../src/receipts/sign-receipt';
import type { GuardResult } from '../../src/workflows/definitions';
import type { Receipt } from '../../src/workflows/receipt';
import { longWindowEngine, REAL_HOURS } from './fixtures/long-window-policy';
import { integrationEnv, recordHistory, waitFor } from './helpers';
import { timeSkippingPerTest } from './time-skipping-worker';

const keys = loadReceiptKeys({ DURABLE_GUARD_RECEIPT_KEYS: `lw-1:${randomBytes(32).toString('base64')}` })!;
const H = 3_600_000;

/** A receipt that verifies for `input`; a copy with another approver or another input does not. */
function expectProvable(receipt: Receipt | undefined, input: Record<string, unknown>): Receipt {
  expect(receipt?.signature).toMatchObject({ alg: 'Ed25519', keyId: 'lw-1' });
  expect(verifyReceipt(keys, receipt!, input)).toEqual({ signature: 'valid', input: 'matches', problems: [] });
  const tampered = { ...receipt!, decision: { ...receipt!.decision, action: 'allow' as const, kind: 'human' } };
  if (receipt!.decision.action === 'allow') tampered.approvers = [{ by: 'mallory', groups: ['finance'], at: '' }];
  expect(verifyReceipt(keys, tampered, input).signature).toBe('invalid');
  expect(verifyReceipt(keys, receipt!, { ...input, amount: Number(input.amount) * 10 }).input).toBe('differs');
  return receipt!;
}

describe('on the dev server: the same rule, 1 h written as 250 ms', () => {
  const S = 1000;
  const secret = `whsec_${Buffer.from('a-long-window-secret-of-32-bytes').toString('base64')}`;
  const tokens = {
    fran: 'fran-token-0123456789abcdef',
    gus: 'gus-token-0123456789abcdef',
    lena: 'lena-token-0123456789abcdef',
  };
  const received: { channel: string; type: string; data: Record<string, unknown>; at: number }[] = [];
  let receiver: Server;
  let env: Awaited<ReturnType<typeof integrationEnv>>;
  let worker: Worker;
  let running: Promise<void>;
  let api: RunningApi;
  const agent = new Agent();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        // Only a delivery whose Standard Webhooks signature checks out counts.
        const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
          type: string;
          data: Record<string, unknown>;
        };
        received.push({ channel: req.url!.slice(1), ...event, at: Date.now() });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const notifier = createNotifier({
      targets: ['finance-webhook', 'leads-webhook'].map((name) => ({
        name,
        url: `${base}/${name}`,
        secret,
        format: 'standard' as const,
      })),
    });
    env = await integrationEnv('long-window');
    worker = await env.worker(
      longWindowEngine({ remind: '1s', route: '6s', window: '18s' }),
      undefined,
      { notifier },
      { receipts: keys },
    );
    running = worker.run();
    api = await startApi({
      client: env.client,
      taskQueue: env.taskQueue,
      port: 0,
      approvers: createApproverRegistry([
        { id: 'fran', groups: ['finance'], token: tokens.fran },
        { id: 'gus', groups: ['finance'], token: tokens.gus },
        { id: 'lena', groups: ['finance-leads'], token: tokens.lena },
      ]),
    });
  });

  afterAll(async () => {
    await api?.close();
    await agent.close();
    worker?.shutdown();
    await running;
    await env?.close();
    await new Promise((r) => receiver.close(r));
  });

  async function approve(id: string, who: keyof typeof tokens) {
    const res = await request(`${api.url}/v1/escalations/${id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: '{}',
      dispatcher: agent,
    });
    const json = (await res.body.json()) as GuardResult & { error?: { code: string; message: string } };
    return { status: res.statusCode, json };
  }

  const eventsOf = (id: string) => received.filter((e) => e.data.escalationId === id);

  test('12,000: reminded at 4 h, finance-leads from 24 h, then two distinct approvers; the receipt proves it', async () => {
    const input = { amount: 12_000, user_id: 'u42' };
    const { escalationId } = await env.guard.check('process_refund', input);
    const id = escalationId!;
    const handle = env.client.workflow.getHandle(id);
    const opened = (await handle.describe()).startTime.getTime();

    // Before the route step a finance-lead may not decide.
    const early = await approve(id, 'lena');
    expect(early.status).toBe(403);
    expect(early.json.error?.code).toBe('GUARD_FORBIDDEN');

    const reminder = await waitFor(async () => eventsOf(id).find((e) => e.type === 'escalation.reminder'));
    expect(reminder).toMatchObject({ channel: 'finance-webhook', data: { step: 1, approverGroups: ['finance'] } });
    expect(reminder.data.timeLeft).toMatch(/^1\d(\.\d+)?s$|^17s$/);
    expect(reminder.at - opened).toBeGreaterThanOrEqual(1 * S);

    const routed = await waitFor(async () => eventsOf(id).find((e) => e.type === 'escalation.routed'), 30_000);
    expect(routed).toMatchObject({
      channel: 'leads-webhook',
      data: { step: 2, approverGroups: ['finance', 'finance-leads'] },
    });
    const status = await env.guard.status(id);
    expect(status.ladder?.taken.map((s) => s.kind)).toEqual(['remind', 'route']);
    expect(Date.parse(status.ladder!.taken[1]!.at) - opened).toBeGreaterThanOrEqual(6 * S);
    expect(status.approvals).toMatchObject({ required: 2, remaining: 2 });

    // Above 10,000 one approval is not enough, and the same approver never counts twice.
    const first = await approve(id, 'lena');
    expect(first).toMatchObject({ status: 200, json: { action: 'escalate', approvals: { remaining: 1 } } });
    const again = await approve(id, 'lena');
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe('GUARD_ALREADY_VOTED');
    const second = await approve(id, 'fran');
    expect(second).toMatchObject({ status: 200, json: { action: 'allow', reason: 'approved by lena, fran' } });

    const result = (await handle.result()) as GuardResult;
    const receipt = expectProvable(result.receipt, input);
    expect(receipt).toMatchObject({
      escalationId: id,
      tool: 'process_refund',
      rules: ['big-refund', 'very-big-refund'],
      decision: { action: 'allow', kind: 'human' },
      approvers: [
        { by: 'lena', groups: ['finance-leads'] },
        { by: 'fran', groups: ['finance'] },
      ],
    });
    expect(receipt.ladderSteps.map((s) => s.kind)).toEqual(['remind', 'route']);
    await recordHistory(handle, 'long-window-route-quorum');
  }, 60_000);

  test('5,000: one approver decides; 500: the policy allows; both receipts verify', async () => {
    const input = { amount: 5_000, user_id: 'u43' };
    const { escalationId } = await env.guard.check('process_refund', input);
    const one = await approve(escalationId!, 'gus');
    expect(one).toMatchObject({ status: 200, json: { action: 'allow', decidedBy: { identity: 'gus' } } });
    const result = (await env.client.workflow.getHandle(escalationId!).result()) as GuardResult;
    expect(expectProvable(result.receipt, input)).toMatchObject({ rules: ['big-refund'], approvers: [{ by: 'gus' }] });

    const small = await env.guard.check('process_refund', { amount: 500 });
    expect(small.action).toBe('allow');
    // The workflow's result holds the receipt (check()'s answer does too: test/integration/receipts.test.ts).
    const decided = (await env.client.workflow.getHandle(small.escalationId!).result()) as GuardResult;
    expect(expectProvable(decided.receipt, { amount: 500 }).decision).toMatchObject({
      action: 'allow',
      kind: 'policy',
    });
  });

  test('nobody decides: blocked at 72 h, the timeout receipt verifies, the channels hear it', async () => {
    const input = { amount: 12_000, user_id: 'u44' };
    const { escalationId } = await env.guard.check('process_refund', input);
    const handle = env.client.workflow.getHandle(escalationId!);
    const opened = (await handle.describe()).startTime.getTime();
    const result = (await handle.result()) as GuardResult;
    expect(result).toMatchObject({
      action: 'block',
      reason: 'escalation timed out after 18s without a decision',
      decidedBy: { kind: 'timeout' },
      approvals: { required: 2, approvals: [] },
    });
    expect(Date.parse(result.decidedBy!.at) - opened).toBeGreaterThanOrEqual(18 * S);
    const receipt = expectProvable(result.receipt, input);
    expect(receipt).toMatchObject({ decision: { action: 'block', kind: 'timeout' }, approvers: [] });
    expect(receipt.ladderSteps.map((s) => s.kind)).toEqual(['remind', 'route']);
    const resolved = await waitFor(async () => {
      const got = eventsOf(escalationId!).filter((e) => e.type === 'escalation.resolved');
      return got.length === 2 ? got : undefined;
    });
    expect(resolved.map((e) => [e.channel, e.data.decision]).sort()).toEqual([
      ['finance-webhook', 'timeout'],
      ['leads-webhook', 'timeout'],
    ]);
    await recordHistory(handle, 'long-window-timeout');
  }, 60_000);
});

describe('under time skipping: the same rule with the hours themselves', () => {
  let env: TestWorkflowEnvironment;
  let guard: GuardClient;
  const perTest = timeSkippingPerTest('long-window-time-skipping', {
    decider: longWindowEngine(REAL_HOURS),
    receipts: keys,
  });
  beforeEach(() => ({ env, guard } = perTest));

  test('12,000: finance-leads may approve only after 24 h, and two distinct approvers are needed', async () => {
    const input = { amount: 12_000, user_id: 'u45' };
    const id = (await guard.check('process_refund', input)).escalationId!;
    const lena = { by: 'lena', groups: ['finance-leads'] };

    await env.sleep(5 * H);
    expect((await guard.status(id)).ladder?.taken.map((s) => s.kind)).toEqual(['remind']);
    await expect(guard.approve(id, lena)).rejects.toMatchObject({ code: 'GUARD_APPROVER_NOT_ALLOWED' });

    await env.sleep(20 * H);
    expect((await guard.status(id)).ladder?.taken.map((s) => s.kind)).toEqual(['remind', 'route']);
    expect(await guard.approve(id, lena)).toMatchObject({ action: 'escalate', approvals: { remaining: 1 } });
    await expect(guard.approve(id, { ...lena, by: 'Lena' })).rejects.toMatchObject({ code: 'GUARD_ALREADY_VOTED' });
    expect(await guard.approve(id, { by: 'fran', groups: ['finance'] })).toMatchObject({ action: 'allow' });
    const allowed = (await env.client.workflow.getHandle(id).result()) as GuardResult;
    expect(expectProvable(allowed.receipt, input).approvers.map((v) => v.by)).toEqual(['lena', 'fran']);
  }, 120_000);

  test('12,500 left alone: reminded at 4 h, routed at 24 h, blocked at 72 h with a timeout receipt', async () => {
    const input = { amount: 12_500, user_id: 'u46' };
    const id = (await guard.check('process_refund', input)).escalationId!;
    const blocked = (await env.client.workflow.getHandle(id).result()) as GuardResult;
    expect(blocked).toMatchObject({
      action: 'block',
      reason: 'escalation timed out after 3d without a decision',
      decidedBy: { kind: 'timeout' },
    });
    const receipt = expectProvable(blocked.receipt, input);
    // The steps and the end at the rule's hours from the window's opening (workflow time, to the minute: a step is
    // taken in the workflow task after its timer fires).
    const opened = Date.parse(receipt.ladderSteps[0]!.expiresAt as string) - 72 * H;
    const hoursAfter = (at: string) => Math.round(((Date.parse(at) - opened) / H) * 60) / 60;
    expect(receipt.ladderSteps.map((s) => [s.kind, hoursAfter(s.at)])).toEqual([
      ['remind', 4],
      ['route', 24],
    ]);
    expect(hoursAfter(receipt.decision.at)).toBe(72);
  }, 120_000);
});
