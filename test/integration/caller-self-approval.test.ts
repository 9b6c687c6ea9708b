/**
 * The requester never approves its own call, by identity: through `POST /v1/guard` the call's `context.caller` is
 * the caller token's identity, so an approver whose id is that identity is refused with GUARD_SELF_APPROVAL (403),
 * and a body naming another caller is refused before anything starts.
 */
import { Agent, request } from 'undici';
import { startApi, type RunningApi } from '../../src/api';
import { createApproverRegistry, createCallerRegistry } from '../../src/approvals';
import { refundEscalated } from './fixtures/decisions';
import { tableDecider, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
});
const TOKENS = {
  caller: 'support-agent-caller-token-0123456789',
  // The same identity holds an approver token too (another token, as the registries require).
  agentApprover: 'support-agent-approver-token-0123456789',
  alice: 'alice-token-0123456789abcdef',
};

const file = workerForFile('caller-self-approval', decider);
let api: RunningApi;
const agent = new Agent();

beforeAll(async () => {
  const approvers = createApproverRegistry([
    { id: 'support-agent', groups: ['finance'], token: TOKENS.agentApprover },
    { id: 'alice', groups: ['finance'], token: TOKENS.alice },
  ]);
  api = await startApi({
    client: file.env.client,
    taskQueue: file.env.taskQueue,
    port: 0,
    approvers,
    callers: createCallerRegistry([{ id: 'support-agent', token: TOKENS.caller }], approvers),
  });
});

afterAll(async () => {
  await api.close();
  await agent.close();
});

async function post(path: string, token: string, body: unknown) {
  const res = await request(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

test("the call's requester is the caller token's identity, whatever the body says, and it cannot approve", async () => {
  const before = decider.calls.length;
  const asked = await post('/v1/guard', TOKENS.caller, {
    tool: 'process_refund',
    input: { amount: 4200 },
    context: { ticket: 'T-1' },
  });
  expect(asked).toMatchObject({ status: 200, json: { action: 'escalate', status: 'pending' } });
  const id = asked.json.escalation_id as string;
  // The policy saw the authenticated caller in the context.
  expect(decider.calls.slice(before).map((c) => c.context)).toEqual([{ ticket: 'T-1', caller: 'support-agent' }]);

  const self = await post(`/v1/escalations/${id}/approve`, TOKENS.agentApprover, { reason: 'mine' });
  expect(self.status).toBe(403);
  expect(self.json.error).toMatchObject({
    code: 'GUARD_SELF_APPROVAL',
    message: expect.stringContaining('support-agent may not approve'),
  });
  expect((await file.env.guard.status(id)).status).toBe('pending-approval');

  const other = await post(`/v1/escalations/${id}/approve`, TOKENS.alice, {});
  expect(other).toMatchObject({ status: 200, json: { action: 'allow', decidedBy: { identity: 'alice' } } });
});

test('a body naming another caller is refused with 400 before anything starts; its own name is accepted', async () => {
  const before = decider.calls.length;
  const dodge = await post('/v1/guard', TOKENS.caller, {
    tool: 'process_refund',
    input: { amount: 4200 },
    context: { caller: 'someone-else' },
  });
  expect(dodge.status).toBe(400);
  expect(dodge.json.error).toMatchObject({
    code: 'GUARD_INVALID_REQUEST',
    message: expect.stringContaining(`context.caller "someone-else" is not the identity of this caller token`),
  });
  const notString = await post('/v1/guard', TOKENS.caller, {
    tool: 'process_refund',
    input: { amount: 4200 },
    context: { caller: { id: 'support-agent' } },
  });
  expect(notString.json.error).toMatchObject({ code: 'GUARD_INVALID_REQUEST' });
  expect(decider.calls.length).toBe(before);

  const own = await post('/v1/guard', TOKENS.caller, {
    tool: 'process_refund',
    input: { amount: 4200 },
    context: { caller: 'Support-Agent', agent: 'refund-bot' },
  });
  expect(own.json.action).toBe('escalate');
  expect(decider.calls.at(-1)?.context).toEqual({ caller: 'support-agent', agent: 'refund-bot' });
  const self = await post(`/v1/escalations/${own.json.escalation_id as string}/approve`, TOKENS.agentApprover, {});
  expect(self.json.error).toMatchObject({ code: 'GUARD_SELF_APPROVAL' });
});
