import pLimit from 'p-limit';
import { createApproverRegistry } from '../../src/approvals';
import { pendingEscalationsQuery } from '../../src/approvals/escalation-query';
import { BulkDecisionClient } from '../../src/client';
import type { BulkDecisionProgress } from '../../src/workflows/bulk-definitions';
import { statusQuery, type GuardedCallInput } from '../../src/workflows/definitions';
import { ALICE_AND_BOB, TOKENS } from './fixtures/approvers';
import { doorEscalated, refundEscalated } from './fixtures/decisions';
import { apiFixture, recordHistory, tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: refundEscalated({ timeoutMs: 3_600_000, approverGroups: ['finance'] }),
  open_door: doorEscalated(3_600_000),
});

const file = workerForFile('bulk-decisions', decider);
let env: typeof file.env;
const run = `${Date.now().toString(36)}`;

beforeAll(() => {
  env = file.env;
});

const { http } = apiFixture(file, { approvers: createApproverRegistry(ALICE_AND_BOB), connections: 32 });

/** Starts escalating calls directly (the batch worker's way), `concurrency` at a time. */
async function startPending(prefix: string, count: number, call: (i: number) => GuardedCallInput): Promise<string[]> {
  const limit = pLimit(50);
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(
    ids.map((workflowId, i) =>
      limit(() => env.client.workflow.start('guardedCall', { workflowId, taskQueue: env.taskQueue, args: [call(i)] })),
    ),
  );
  return ids;
}

async function pendingCount(filters: { batch?: string; tool?: string } = {}): Promise<number> {
  const { count } = await env.client.workflow.count(pendingEscalationsQuery({ taskQueue: env.taskQueue, ...filters }));
  return count;
}

async function waitPending(expected: number, filters: { batch?: string; tool?: string } = {}) {
  await waitFor(async () => ((await pendingCount(filters)) === expected ? true : undefined), 120_000);
}

async function finished(id: string): Promise<BulkDecisionProgress> {
  return new BulkDecisionClient(env.client, env.taskQueue).result(id);
}

/** Each escalation's final decision: who, and the reason that names the bulk decision. */
async function decisionsOf(ids: string[]) {
  const limit = pLimit(16);
  return Promise.all(
    ids.map((id) =>
      limit(async () => {
        const status = await env.client.workflow.getHandle(id).query(statusQuery);
        return { id, status: status.status, by: status.result?.decidedBy?.identity, reason: status.result?.reason };
      }),
    ),
  );
}

const refund = (batch: string) => (i: number) => ({
  tool: 'process_refund',
  input: { amount: 1000 + i },
  context: { batch },
});
const door = (batch: string) => (i: number) => ({ tool: 'open_door', input: { door: i }, context: { batch } });

test('groups at 1,000 pending: counts per batch, tool and rule, oldest, expiry, approver groups, paged', async () => {
  const a = `A-${run}`;
  const b = `B-${run}`;
  await startPending(`${a}-refund`, 600, refund(a));
  await startPending(`${a}-door`, 300, door(a));
  await startPending(`${b}-refund`, 100, refund(b));
  await waitPending(1000);

  const grouped = await http('GET', '/v1/escalations/groups?by=batch,tool,rule', { token: TOKENS.alice });
  expect(grouped.status).toBe(200);
  expect(grouped.json.total).toBe(1000);
  expect(grouped.json.truncated).toBe(false);
  const groups = grouped.json.groups as {
    key: Record<string, string>;
    count: number;
    approverGroups: string[];
    earliestExpiresAt?: string;
    oldestStartedAt: string;
    sample: { id: string };
  }[];
  expect(groups.map((g) => [g.key, g.count])).toEqual([
    [{ batch: a, tool: 'process_refund', rule: 'big-refund' }, 600],
    [{ batch: a, tool: 'open_door', rule: 'door' }, 300],
    [{ batch: b, tool: 'process_refund', rule: 'big-refund' }, 100],
  ]);
  expect(groups[0]!.approverGroups).toEqual(['finance']);
  expect(groups[1]!.approverGroups).toEqual([]);
  expect(groups[0]!.sample.id.startsWith(`${a}-refund-`)).toBe(true);
  expect(Date.parse(groups[0]!.earliestExpiresAt ?? '')).toBeGreaterThan(Date.parse(groups[0]!.oldestStartedAt));

  const byTool = await http('GET', '/v1/escalations/groups?by=tool', { token: TOKENS.alice });
  expect((byTool.json.groups as { key: object; count: number }[]).map((g) => [g.key, g.count])).toEqual([
    [{ tool: 'process_refund' }, 700],
    [{ tool: 'open_door' }, 300],
  ]);
  const first = await http('GET', '/v1/escalations/groups?by=batch&pageSize=1', { token: TOKENS.alice });
  expect((first.json.groups as { count: number }[]).map((g) => g.count)).toEqual([900]);
  const second = await http(
    'GET',
    `/v1/escalations/groups?by=batch&pageSize=1&pageToken=${String(first.json.nextPageToken)}`,
    { token: TOKENS.alice },
  );
  expect((second.json.groups as { count: number }[]).map((g) => g.count)).toEqual([100]);
  expect(second.json.nextPageToken).toBeUndefined();
  expect((await http('GET', '/v1/escalations/groups?by=batch,owner', { token: TOKENS.alice })).status).toBe(400);

  // A dry run counts and samples, and decides nothing.
  const dry = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      dryRun: true,
      filter: { batch: b },
    },
  });
  expect(dry.status).toBe(200);
  expect(dry.json).toMatchObject({ dryRun: true, count: 100 });
  expect((dry.json.sample as string[]).length).toBe(5);
  const dryWhere = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      dryRun: true,
      filter: { batch: a, tool: 'process_refund', where: 'input.amount < 1100' },
    },
  });
  expect(dryWhere.json).toMatchObject({ count: 100 });
  await new Promise((r) => setTimeout(r, 1000));
  expect(await pendingCount()).toBe(1000);
}, 300_000);

test('bulk approve by batch; deny by rule with where; every escalation decided once, by the token', async () => {
  const b = `B-${run}`;
  const started = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      reason: 'batch reviewed',
      filter: { batch: b },
    },
  });
  expect(started.status).toBe(202);
  const id = started.json.id as string;
  expect(id).toMatch(/^bulk-/);
  const done = await finished(id);
  expect(done.counts).toMatchObject({ decided: 100, 'already-decided': 0, 'not-allowed': 0, failed: 0 });
  const shown = await http('GET', `/v1/escalations/decisions/${id}`, { token: TOKENS.alice });
  expect(shown.json).toMatchObject({ state: 'completed', seen: 100, approver: 'alice' });
  const decided = await decisionsOf(Array.from({ length: 100 }, (_, i) => `${b}-refund-${i}`));
  expect(decided.every((d) => d.status === 'approved' && d.by === 'alice')).toBe(true);
  expect(decided[0]!.reason).toBe(`batch reviewed (bulk decision ${id})`);
  await recordHistory(env.client.workflow.getHandle(id), 'bulk-decision-batch');

  const a = `A-${run}`;
  const denied = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'deny',
      reason: 'not these doors',
      filter: { rule: 'door', where: 'input.door < 50' },
    },
  });
  const deniedDone = await finished(denied.json.id as string);
  expect(deniedDone.counts).toMatchObject({ decided: 50, 'not-matched': 250 });
  const doors = await decisionsOf(Array.from({ length: 300 }, (_, i) => `${a}-door-${i}`));
  expect(
    doors
      .filter((d) => d.status === 'denied')
      .map((d) => d.id)
      .sort(),
  ).toEqual(Array.from({ length: 50 }, (_, i) => `${a}-door-${i}`).sort());
  expect(doors.filter((d) => d.status === 'pending-approval')).toHaveLength(250);
  await recordHistory(env.client.workflow.getHandle(denied.json.id as string), 'bulk-decision-where');
}, 300_000);

test('an approver outside the groups gets not-allowed per item; IDs report already decided and timed out', async () => {
  const a = `A-${run}`;
  const ids = Array.from({ length: 20 }, (_, i) => `${a}-refund-${i}`);
  const refused = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.bob,
    body: { decision: 'approve', filter: { ids } },
  });
  const refusedDone = await finished(refused.json.id as string);
  expect(refusedDone.counts).toMatchObject({ decided: 0, 'not-allowed': 20 });
  expect(refusedDone.problems[0]?.message).toMatch(/may not decide/);
  expect((await decisionsOf(ids)).every((d) => d.status === 'pending-approval')).toBe(true);

  // Alice decides two by hand first; the bulk decision reports them as already decided.
  await env.guard.approve(ids[0]!, { by: 'carol', groups: ['finance'] });
  await env.guard.deny(ids[1]!, { by: 'carol', groups: ['finance'], reason: 'no' });
  const allowed = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      filter: { ids },
    },
  });
  const allowedDone = await finished(allowed.json.id as string);
  expect(allowedDone.counts).toMatchObject({ decided: 18, 'already-decided': 2 });
  await recordHistory(env.client.workflow.getHandle(allowed.json.id as string), 'bulk-decision-ids');

  const bad = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: { decision: 'approve', filter: {} },
  });
  expect(bad.status).toBe(400);
  const badWhere = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      filter: { batch: a, where: 'input.amount <' },
    },
  });
  expect(badWhere.status).toBe(400);
  expect(String((badWhere.json.error as { message: string }).message)).toMatch(/filter.where is not a valid CEL/);
  const unknown = await http('GET', '/v1/escalations/decisions/bulk-nope', { token: TOKENS.alice });
  expect(unknown.status).toBe(404);
}, 300_000);

test('a bulk decision racing single approvals and olderThan: one decision per escalation', async () => {
  const a = `A-${run}`;
  const ids = Array.from({ length: 580 }, (_, i) => `${a}-refund-${i + 20}`);
  const started = await http('POST', '/v1/escalations/decisions', {
    token: TOKENS.alice,
    body: {
      decision: 'approve',
      filter: { batch: a, tool: 'process_refund', olderThan: '1s' },
    },
  });
  // Single approvals through the API, at the same time, on the newest items.
  const singles = ids.slice(-60);
  const answers = await Promise.all(
    singles.map((id) =>
      http('POST', `/v1/escalations/${id}/approve`, { token: TOKENS.alice, body: { reason: 'by hand' } }),
    ),
  );
  const done = await finished(started.json.id as string);
  const byHand = answers.filter((r) => r.status === 200).length;
  expect(answers.every((r) => r.status === 200 || r.status === 409)).toBe(true);
  const decided = await decisionsOf(ids);
  expect(decided.every((d) => d.status === 'approved')).toBe(true);
  const viaBulk = decided.filter((d) => d.reason?.endsWith(`(bulk decision ${started.json.id as string})`)).length;
  const viaHand = decided.filter((d) => d.reason === 'by hand').length;
  expect(viaHand).toBe(byHand);
  expect(viaBulk + viaHand).toBe(580);
  expect(done.counts.decided).toBe(viaBulk);
  // The bulk decision's targets are the escalations still pending when it lists their page: one decided by hand
  // before that is not a target at all; one decided by hand after it is reported as already decided.
  expect(done.counts).toMatchObject({ 'not-allowed': 0, 'timed-out': 0, 'not-matched': 0, failed: 0 });
  const targets = done.counts.decided + done.counts['already-decided'];
  expect(done.seen).toBe(targets);
  expect(done.counts['already-decided']).toBeLessThanOrEqual(viaHand);
  expect(targets).toBeGreaterThanOrEqual(580 - viaHand);
  expect(targets).toBeLessThanOrEqual(580);
}, 300_000);
