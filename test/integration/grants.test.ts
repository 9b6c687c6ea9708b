import type { WorkflowHandle } from '@temporalio/client';
import { createApproverRegistry } from '../../src/approvals';
import { pendingEscalationsQuery } from '../../src/approvals/escalation-query';
import { GrantClient, type CreateGrantRequest } from '../../src/client';
import { guardGrantIdKey, statusQuery, type CallStatus, type GuardedCallInput } from '../../src/workflows/definitions';
import type { GrantView } from '../../src/workflows/grant-definitions';
import { ALICE_AND_BOB, TOKENS } from './fixtures/approvers';
import { doorEscalated, refundEscalated } from './fixtures/decisions';
import { apiFixture, localActivityRan, recordHistory, tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 3_600_000, approverGroups: ['finance'], maxGrantMs: 2 * 3_600_000 }),
  open_door: doorEscalated(3_600_000),
  unlock_safe: {
    action: 'escalate',
    reason: 'safe',
    rulesTriggered: [{ id: 'safe', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 3_600_000, maxGrantMs: 10_000 },
  },
});

const file = workerForFile('grants', decider);
let env: typeof file.env;
const run = Date.now().toString(36);

beforeAll(() => {
  env = file.env;
});

// 5xx causes are logged (warn and error) to stderr: CI has twice seen a revoke answer 500 here, not reproduced, and
// the answer's body names only the request ID.
const { http } = apiFixture(file, {
  approvers: createApproverRegistry(ALICE_AND_BOB),
  connections: 16,
  logger: { level: 'warn', stream: process.stderr },
});
const postGrant = (token: string, body: Record<string, unknown>) => http('POST', '/v1/grants', { token, body });

async function start(workflowId: string, call: GuardedCallInput): Promise<WorkflowHandle> {
  return env.client.workflow.start('guardedCall', { workflowId, taskQueue: env.taskQueue, args: [call] });
}

const status = (id: string): Promise<CallStatus> => env.client.workflow.getHandle(id).query(statusQuery);

async function waitStatus(id: string, expected: string): Promise<CallStatus> {
  return waitFor(async () => {
    const s = await status(id);
    return s.status === expected ? s : undefined;
  }, 30_000);
}

/** Waits until the escalation's grant lookup has finished, so that "still pending" means no grant answered it. */
async function matchFinished(id: string): Promise<void> {
  await waitFor(async () => {
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    return localActivityRan(history.events ?? [], 'findStandingGrant') ? true : undefined;
  }, 30_000);
}

async function pendingIn(batch: string): Promise<number> {
  const { count } = await env.client.workflow.count(
    pendingEscalationsQuery({ taskQueue: env.taskQueue, batch, tool: 'process_refund' }),
  );
  return count;
}

/** An hour's grant by alice (finance) of the batch's refunds, made from its escalation `<batch>-p0`. */
const aliceGrant = (batch: string): CreateGrantRequest => ({
  fromEscalation: `${batch}-p0`,
  scope: { batch },
  durationMs: 3_600_000,
  reason: 'reviewed',
  approver: { id: 'alice', groups: ['finance'] },
});

const refund = (batch: string, amount: number): GuardedCallInput => ({
  tool: 'process_refund',
  input: { amount },
  context: { batch, agent: 'refund-bot' },
});

test('a grant approves the matching pending escalations and the ones that arrive, until it is revoked', async () => {
  const batch = `G-${run}`;
  const other = `H-${run}`;
  const pending = [1000, 1001, 1002, 1003, 1004].map((amount, i) => `${batch}-p${i}`);
  await Promise.all(pending.map((id, i) => start(id, refund(batch, 1000 + i))));
  await start(`${other}-p0`, refund(other, 1000));
  await waitFor(async () => ((await pendingIn(batch)) === 5 ? true : undefined), 30_000);

  const created = await postGrant(TOKENS.alice, {
    scope: { tool: 'process_refund', rule: 'big-refund', batch, where: 'input.amount <= 1003' },
    expiresIn: '1h',
    reason: 'batch reviewed',
  });
  expect(created.status).toBe(201);
  const grant = created.json as unknown as GrantView;
  expect(grant).toMatchObject({ state: 'live', approver: 'alice', ruleGroups: ['finance'] });
  expect(grant.id).toMatch(/^grant-/);

  // The sweep: the four within `where` are approved as the grant; the fifth and the other batch wait.
  for (const id of pending.slice(0, 4)) {
    const decided = await waitStatus(id, 'approved');
    expect(decided.result?.decidedBy).toMatchObject({ kind: 'grant', grantId: grant.id, identity: 'alice' });
    expect(decided.result?.reason).toBe(`batch reviewed (grant ${grant.id})`);
  }
  const described = await env.client.workflow.getHandle(pending[0] as string).describe();
  expect(described.typedSearchAttributes.get(guardGrantIdKey)).toBe(grant.id);

  // Arriving escalations: one in scope is approved by the grant's match, one outside `where` keeps waiting.
  await start(`${batch}-a0`, refund(batch, 10));
  await start(`${batch}-a1`, refund(batch, 5000));
  const arrived = await waitStatus(`${batch}-a0`, 'approved');
  expect(arrived.result?.decidedBy).toMatchObject({ kind: 'grant', grantId: grant.id, identity: 'alice' });
  await matchFinished(`${batch}-a1`);
  expect((await status(`${batch}-a1`)).status).toBe('pending-approval');
  expect((await status(pending[4] as string)).status).toBe('pending-approval');
  expect((await status(`${other}-p0`)).status).toBe('pending-approval');

  const shown = await http('GET', `/v1/grants/${grant.id}`, { token: TOKENS.alice });
  expect(shown.status).toBe(200);
  expect(shown.json).toMatchObject({ state: 'live', swept: { decided: 4 } });

  const revoked = await http('DELETE', `/v1/grants/${grant.id}`, { token: TOKENS.alice });
  expect(revoked.status).toBe(200);
  expect(revoked.json).toMatchObject({ state: 'revoked', revokedBy: 'alice' });
  const again = await http('DELETE', `/v1/grants/${grant.id}`, { token: TOKENS.alice });
  expect(again.status).toBe(409);
  expect((again.json.error as { code: string }).code).toBe('GUARD_GRANT_NOT_LIVE');

  // After the revoke, nothing more: a new call in scope waits for a human once its match has finished.
  await start(`${batch}-r0`, refund(batch, 20));
  await matchFinished(`${batch}-r0`);
  expect((await status(`${batch}-r0`)).status).toBe('pending-approval');
  // What it decided stays decided, and says so.
  expect((await status(pending[0] as string)).result?.decidedBy).toMatchObject({ kind: 'grant', grantId: grant.id });

  const listed = await waitFor(async () => {
    const list = await http('GET', '/v1/grants?state=revoked', { token: TOKENS.alice });
    const grants = list.json.grants as GrantView[];
    return grants.some((g) => g.id === grant.id) ? grants : undefined;
  });
  expect(listed.find((g) => g.id === grant.id)).toMatchObject({ state: 'revoked', scope: { batch } });

  await recordHistory(env.client.workflow.getHandle(grant.id), 'grant-revoked');
  await recordHistory(env.client.workflow.getHandle(pending[0] as string), 'escalate-grant-swept');
  await recordHistory(env.client.workflow.getHandle(`${batch}-a0`), 'escalate-grant-arriving');
  await env.guard.deny(`${batch}-r0`, { by: 'alice', groups: ['finance'], reason: 'not after the grant' });
  await recordHistory(env.client.workflow.getHandle(`${batch}-r0`), 'escalate-grant-none-deny');
}, 120_000);

test('a grant created just before an escalation answers it in the escalating workflow task', async () => {
  const batch = `J-${run}`;
  // The worker's grant directory lists the live grants (none of this batch yet) on this escalation's lookup.
  await start(`${batch}-p0`, refund(batch, 1000));
  await matchFinished(`${batch}-p0`);
  await waitFor(async () => ((await pendingIn(batch)) === 1 ? true : undefined));
  const grants = new GrantClient(env.client, env.taskQueue);
  const grant = await grants.create({
    ...aliceGrant(batch),
    // No second sweep within the test: what its first sweep misses only the escalation's own lookup can answer.
    settleMs: 3_600_000,
  });
  // (An escalation arriving before the sweep has started may be seen by neither the lookup nor this first sweep:
  // the grant's second sweep, turned off here, is what answers it. CI once saw exactly that.)
  await waitFor(async () => ((await grants.get(grant.id))?.swept.decided ? true : undefined));
  await start(`${batch}-a1`, refund(batch, 11));
  for (const id of [`${batch}-p0`, `${batch}-a1`]) {
    expect((await waitStatus(id, 'approved')).result?.decidedBy).toMatchObject({ kind: 'grant', grantId: grant.id });
  }
  // a1 started after the sweep: its own lookup found the grant, and the workflow decided without any update.
  const handle = env.client.workflow.getHandle(`${batch}-a1`);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(localActivityRan(events, 'findStandingGrant')).toBe(true);
  expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
  await recordHistory(handle, 'escalate-grant-found-local');
  await grants.revoke(grant.id, { id: 'alice', groups: ['finance'] });
}, 60_000);

test("approvers outside the rule's groups can neither create nor revoke a grant", async () => {
  const batch = `F-${run}`;
  await start(`${batch}-p0`, refund(batch, 1000));
  await waitStatus(`${batch}-p0`, 'pending-approval');
  await waitFor(async () => ((await pendingIn(batch)) === 1 ? true : undefined));

  const refused = await postGrant(TOKENS.bob, {
    fromEscalation: `${batch}-p0`,
    expiresIn: '1h',
    reason: 'looks fine',
  });
  expect(refused.status).toBe(403);
  expect((refused.json.error as { code: string; message: string }).code).toBe('GUARD_FORBIDDEN');
  expect((refused.json.error as { message: string }).message).toContain('finance');

  const grants = new GrantClient(env.client, env.taskQueue);
  const grant = await grants.create(aliceGrant(batch));
  expect(grant.scope).toEqual({ tool: 'process_refund', rule: 'big-refund', batch });
  await waitStatus(`${batch}-p0`, 'approved');
  const byBob = await http('DELETE', `/v1/grants/${grant.id}`, { token: TOKENS.bob });
  expect(byBob.status).toBe(403);
  expect((await grants.get(grant.id))?.state).toBe('live');
  const unknown = await http('DELETE', `/v1/grants/grant-00000000-0000-0000-0000-000000000000`, {
    token: TOKENS.alice,
  });
  expect(unknown.status).toBe(404);
  expect((await http('DELETE', `/v1/grants/${grant.id}`, { token: TOKENS.alice })).status).toBe(200);
}, 60_000);

test("maxGrant: a grant longer than the rule's (or the 24 h default) is refused", async () => {
  const batch = `M-${run}`;
  await start(`${batch}-refund`, refund(batch, 1000));
  await start(`${batch}-door`, { tool: 'open_door', input: { door: 1 }, context: { batch } });
  await waitStatus(`${batch}-refund`, 'pending-approval');
  await waitStatus(`${batch}-door`, 'pending-approval');

  const tooLong = await postGrant(TOKENS.alice, {
    fromEscalation: `${batch}-refund`,
    expiresIn: '3h',
    reason: 'reviewed',
  });
  expect(tooLong.status).toBe(400);
  expect(tooLong.json.error).toMatchObject({ code: 'GUARD_GRANT_TOO_LONG' });
  expect((tooLong.json.error as { message: string }).message).toContain('2h');

  // The door rule sets no maxGrant: 24 h at most.
  const doorGrant = (expiresIn: string) =>
    http('POST', '/v1/grants', {
      token: TOKENS.bob,
      body: { fromEscalation: `${batch}-door`, scope: { batch: `${batch}-none` }, expiresIn, reason: 'reviewed' },
    });
  const overDefault = await doorGrant('25h');
  expect(overDefault.status).toBe(400);
  expect(overDefault.json.error).toMatchObject({ code: 'GUARD_GRANT_TOO_LONG' });
  const atDefault = await doorGrant('24h');
  expect(atDefault.status).toBe(201);
  // The whole reply, so that a failure shows the error's body (CI saw a 500 here twice; its cause goes to stderr).
  expect(await http('DELETE', `/v1/grants/${atDefault.json.id as string}`, { token: TOKENS.bob })).toMatchObject({
    status: 200,
  });

  const noneToTakeFrom = await postGrant(TOKENS.alice, {
    scope: { tool: 'process_refund', rule: 'no-such-rule' },
    expiresIn: '1h',
    reason: 'reviewed',
  });
  expect(noneToTakeFrom.status).toBe(409);
  expect(noneToTakeFrom.json.error).toMatchObject({ code: 'GUARD_NO_ESCALATION_FOR_GRANT' });
}, 60_000);

// The expiry timer is tested for real on the dev server with a 10 s maxGrant: long enough for the grant's first
// sweep to finish before it expires on a loaded machine.
test('a grant expires on its timer: afterwards it answers nothing', async () => {
  const batch = `E-${run}`;
  const safe = (n: number): GuardedCallInput => ({ tool: 'unlock_safe', input: { n }, context: { batch } });
  await start(`${batch}-p0`, safe(0));
  await waitStatus(`${batch}-p0`, 'pending-approval');
  await waitFor(async () => {
    const { count } = await env.client.workflow.count(
      pendingEscalationsQuery({ taskQueue: env.taskQueue, batch, tool: 'unlock_safe' }),
    );
    return count === 1 ? true : undefined;
  });
  const grants = new GrantClient(env.client, env.taskQueue);
  const grant = await grants.create({
    fromEscalation: `${batch}-p0`,
    durationMs: 10_000,
    reason: 'maintenance window',
    approver: { id: 'bob', groups: ['support'] },
    settleMs: 1_000,
  });
  expect((await waitStatus(`${batch}-p0`, 'approved')).result?.decidedBy).toMatchObject({ kind: 'grant' });
  const ended = (await env.client.workflow.getHandle(grant.id).result()) as GrantView;
  expect(ended.state).toBe('expired');
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt));
  await start(`${batch}-p1`, safe(1));
  await matchFinished(`${batch}-p1`);
  expect((await status(`${batch}-p1`)).status).toBe('pending-approval');
  await expect(grants.revoke(grant.id, { id: 'bob', groups: ['support'] })).rejects.toMatchObject({
    code: 'GUARD_GRANT_NOT_LIVE',
  });
  await recordHistory(env.client.workflow.getHandle(grant.id), 'grant-expired');
}, 60_000);
