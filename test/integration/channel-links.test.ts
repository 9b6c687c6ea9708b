import { request } from 'undici';
import { startApi, type RunningApi } from '../../src/api';
import {
  channelLinkFor,
  createApprovalLinkSigner,
  createApproverRegistry,
  MemoryUsedLinkStore,
} from '../../src/approvals';
import { refundEscalated } from './fixtures/decisions';
import { tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
  open_door: refundEscalated({ timeoutMs: 60_000 }),
});
const signer = createApprovalLinkSigner({
  secret: 'channel-links-secret-0123456789abcdef',
  ttlMs: 60_000,
  usedLinks: new MemoryUsedLinkStore(),
});

const file = workerForFile('channel-links', decider);
let api: RunningApi;
let linkFor: ReturnType<typeof channelLinkFor>;

beforeAll(async () => {
  api = await startApi({
    client: file.env.client,
    taskQueue: file.env.taskQueue,
    port: 0,
    approvers: createApproverRegistry([]),
    links: signer,
  });
  linkFor = channelLinkFor(signer, api.url, [{ name: 'finance-hook', groups: ['finance'] }, { name: 'ops-hook' }]);
});

afterAll(async () => {
  await api.close();
});

async function pending(tool: string): Promise<string> {
  const result = await file.env.guard.check(tool, { amount: 4200 });
  const id = result.escalationId as string;
  await waitFor(async () => ((await file.env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  return id;
}

async function redeem(url: string) {
  const res = await request(url, { method: 'POST' });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

test("a channel link without groups cannot decide a group-restricted escalation; the finance channel's can", async () => {
  const id = await pending('process_refund');
  const refused = await redeem(linkFor(id, 'approve', 'ops-hook'));
  expect(refused.status).toBe(403);
  expect(refused.json).toMatchObject({
    error: { code: 'GUARD_FORBIDDEN', message: expect.stringContaining('approver groups finance') },
  });
  expect((await file.env.guard.status(id)).status).toBe('pending-approval');

  const approved = await redeem(linkFor(id, 'approve', 'finance-hook'));
  expect(approved.status).toBe(200);
  expect(approved.json).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'finance-hook' } });
});

test('a channel link without groups decides an escalation whose rule has none', async () => {
  const id = await pending('open_door');
  const denied = await redeem(linkFor(id, 'deny', 'ops-hook'));
  expect(denied.status).toBe(200);
  expect(denied.json).toMatchObject({ action: 'block', decidedBy: { identity: 'ops-hook' } });
});
