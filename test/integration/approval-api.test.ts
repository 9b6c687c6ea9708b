import { createApprovalLinkSigner, createApproverRegistry, MemoryUsedLinkStore } from '../../src/approvals';
import { statusQuery, type GuardResult } from '../../src/workflows/definitions';
import { doorEscalated } from './fixtures/decisions';
import { apiFixture, tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  process_refund: {
    action: 'escalate',
    reason: 'refund over 1000',
    rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 60_000, approverGroups: ['finance'] },
  },
  open_door: doorEscalated(),
});

const TOKENS = { alice: 'alice-token-0123456789abcdef', bob: 'bob-token-0123456789abcdef' };
const FINANCE = Array.from({ length: 5 }, (_, i) => ({ id: `fin${i}`, token: `fin${i}-token-0123456789abcdef` }));
const SECRET = 'integration-link-secret-0123456789abcdef';

const file = workerForFile('approval-api', decider);
let env: typeof file.env;

beforeAll(() => {
  env = file.env;
});

const server = apiFixture(file, {
  bodyLimit: 4096,
  approvers: createApproverRegistry([
    { id: 'alice', groups: ['finance'], token: TOKENS.alice },
    { id: 'bob', groups: ['support'], token: TOKENS.bob },
    ...FINANCE.map((f) => ({ ...f, groups: ['finance'] })),
  ]),
  links: createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000, usedLinks: new MemoryUsedLinkStore() }),
  connections: 128,
});
const { http } = server;

async function pending(tool = 'process_refund', input: Record<string, unknown> = { amount: 4200 }, options = {}) {
  const result = await env.guard.check(tool, input, options);
  expect(result.action).toBe('escalate');
  const id = result.escalationId as string;
  await waitFor(async () => ((await env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  return id;
}

const statusOf = async (id: string) => (await env.guard.status(id)).status;

/** Decisions the workflow history records: accepted `decide` updates. */
async function acceptedDecisions(id: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(id).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'decide')
    .map((e) => {
      const payload = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0];
      return Buffer.from(payload?.data ?? []).toString('utf8');
    });
}

describe('deciding', () => {
  test('approve: 200 with the result; the identity is in the result and the workflow history', async () => {
    const id = await pending();
    const res = await http('POST', `/v1/escalations/${id}/approve`, { token: TOKENS.alice, body: { reason: 'ok' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      action: 'allow',
      reason: 'ok',
      escalationId: id,
      decidedBy: { kind: 'human', identity: 'alice' },
    });
    expect(await env.guard.waitForResult(id)).toMatchObject({ action: 'allow', decidedBy: { identity: 'alice' } });
    const accepted = await acceptedDecisions(id);
    expect(accepted).toHaveLength(1);
    expect(JSON.parse(accepted[0]!)).toMatchObject({ decision: 'approve', by: 'alice', groups: ['finance'] });

    const again = await http('POST', `/v1/escalations/${id}/approve`, { token: TOKENS.alice });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({
      code: 'GUARD_ALREADY_DECIDED',
      message: expect.stringContaining('alice'),
    });
  });

  test('deny: 200 with block; approve with edits: modify; a refused edit: 422 and still pending', async () => {
    const denied = await pending();
    const res = await http('POST', `/v1/escalations/${denied}/deny`, { token: TOKENS.alice, body: { reason: 'no' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ action: 'block', reason: 'no', decidedBy: { identity: 'alice' } });

    const edited = await pending();
    const refused = await http('POST', `/v1/escalations/${edited}/approve`, {
      token: TOKENS.alice,
      body: { modifiedInput: { amount: 10, forbidden: true } },
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error).toMatchObject({
      code: 'GUARD_EDIT_REFUSED',
      message: expect.stringContaining('forbidden'),
    });
    expect(await statusOf(edited)).toBe('pending-approval');
    const ok = await http('POST', `/v1/escalations/${edited}/approve`, {
      token: TOKENS.alice,
      body: { modifiedInput: { amount: 10 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ action: 'modify', modifiedInput: { amount: 10 } });
  });

  test('401 without or with a bad token, 403 outside the approver groups, 400 and 413 on bodies', async () => {
    const id = await pending();
    expect((await http('POST', `/v1/escalations/${id}/approve`, { body: {} })).status).toBe(401);
    expect((await http('POST', `/v1/escalations/${id}/approve`, { token: 'x'.repeat(20), body: {} })).status).toBe(401);
    const forbidden = await http('POST', `/v1/escalations/${id}/approve`, { token: TOKENS.bob, body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error).toMatchObject({
      code: 'GUARD_FORBIDDEN',
      message: expect.stringContaining('finance'),
    });
    const malformed = await http('POST', `/v1/escalations/${id}/deny`, {
      token: TOKENS.alice,
      body: { reason: 'x', by: 'eve' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('GUARD_INVALID_REQUEST');
    const large = await http('POST', `/v1/escalations/${id}/approve`, {
      token: TOKENS.alice,
      body: { modifiedInput: { blob: 'x'.repeat(5000) } },
    });
    expect(large.status).toBe(413);
    expect(large.json.error.code).toBe('GUARD_PAYLOAD_TOO_LARGE');
    expect(await statusOf(id)).toBe('pending-approval');
    expect(await acceptedDecisions(id)).toHaveLength(0);
    // Any authenticated approver may decide a rule without approver groups.
    const door = await pending('open_door', { door: 'lab' });
    expect((await http('POST', `/v1/escalations/${door}/approve`, { token: TOKENS.bob })).status).toBe(200);
  });

  test('404 unknown, 410 timed out, 409 never escalated', async () => {
    const missing = await http('POST', '/v1/escalations/guard-nope/approve', { token: TOKENS.alice, body: {} });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('GUARD_ESCALATION_NOT_FOUND');
    expect((await http('GET', '/v1/escalations/guard-nope', { token: TOKENS.alice })).status).toBe(404);

    const late = await pending('process_refund', { amount: 5000 }, { escalationTimeout: '1s' });
    await waitFor(async () => ((await statusOf(late)) === 'timed-out' ? true : undefined));
    const gone = await http('POST', `/v1/escalations/${late}/approve`, { token: TOKENS.alice, body: {} });
    expect(gone.status).toBe(410);
    expect(gone.json.error.code).toBe('GUARD_TIMED_OUT');

    const allowed = await env.guard.check('read_file', { path: 'a' });
    const never = await http('POST', `/v1/escalations/${allowed.escalationId}/approve`, { token: TOKENS.alice });
    expect(never.status).toBe(409);
    expect(never.json.error.code).toBe('GUARD_NOT_ESCALATED');
  });

  test('100 concurrent approvals of one escalation: exactly one 200, one decision in history', async () => {
    const id = await pending();
    const approvers = [TOKENS.alice, ...FINANCE.map((f) => f.token)];
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        http('POST', `/v1/escalations/${id}/approve`, { token: approvers[i % approvers.length], body: {} }),
      ),
    );
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const losers = responses.filter((r) => r.status !== 200);
    // 409: decided (or being decided) by the winner; 429 only if Temporal's in-flight update limit outlasted retries.
    for (const loser of losers) expect([409, 429]).toContain(loser.status);
    expect(losers.filter((r) => r.status === 409).length).toBeGreaterThan(0);
    const result = (await env.guard.waitForResult(id)) as GuardResult;
    expect(result.decidedBy?.identity).toBe((winners[0]!.json as GuardResult).decidedBy?.identity);
    expect(await acceptedDecisions(id)).toHaveLength(1);
  });
});

describe('reading', () => {
  test('the detail route: tool, input, rules, reason, expiry, groups, status, decisions', async () => {
    const id = await pending('process_refund', { amount: 4321, note: '<b>hi</b>' });
    const before = await http('GET', `/v1/escalations/${id}`, { token: TOKENS.bob });
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({
      id,
      tool: 'process_refund',
      input: { amount: 4321, note: '<b>hi</b>' },
      status: 'pending-approval',
      reason: 'refund over 1000',
      rules: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
      approverGroups: ['finance'],
      decisions: [],
    });
    expect(Date.parse(before.json.expiresAt)).toBeGreaterThan(Date.now());
    await http('POST', `/v1/escalations/${id}/deny`, { token: TOKENS.alice, body: { reason: 'too much' } });
    const after = await http('GET', `/v1/escalations/${id}`, { token: TOKENS.bob });
    expect(after.json.status).toBe('denied');
    expect(after.json.decisions).toEqual([
      { decision: 'deny', by: 'alice', at: expect.any(String), reason: 'too much' },
    ]);
  });

  test('listing: only pending ones, filters by tool, batch and age, pages with a token', async () => {
    const batch = `b-${Date.now()}`;
    const a = await pending('process_refund', { amount: 2000 }, { context: { batch } });
    const b = await pending('process_refund', { amount: 3000 }, { context: { batch } });
    const door = await pending('open_door', { door: 'vault' });
    const list = async (query: string) => {
      const res = await http('GET', `/v1/escalations?${query}`, { token: TOKENS.bob });
      expect(res.status).toBe(200);
      return res.json as { escalations: { id: string; tool: string }[]; nextPageToken?: string };
    };
    const inBatch = await waitFor(async () => {
      const page = await list(`batch=${batch}`);
      return page.escalations.length === 2 ? page : undefined;
    });
    expect(inBatch.escalations.map((e) => e.id).sort()).toEqual([a, b].sort());
    expect(inBatch.escalations[0]).toMatchObject({
      tool: 'process_refund',
      reason: 'refund over 1000',
      rules: [{ id: 'big-refund' }],
      approverGroups: ['finance'],
      batch,
      startedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const doors = await waitFor(async () => {
      const page = await list('tool=open_door&newerThan=1h');
      return page.escalations.some((e) => e.id === door) ? page : undefined;
    });
    expect(doors.escalations.every((e) => e.tool === 'open_door')).toBe(true);
    expect((await list(`batch=${batch}&olderThan=1h`)).escalations).toEqual([]);

    const first = await list(`batch=${batch}&pageSize=1`);
    expect(first.escalations).toHaveLength(1);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await list(`batch=${batch}&pageSize=1&pageToken=${first.nextPageToken}`);
    expect(second.escalations).toHaveLength(1);
    expect(second.escalations[0]!.id).not.toBe(first.escalations[0]!.id);

    await http('POST', `/v1/escalations/${a}/approve`, { token: TOKENS.alice });
    const remaining = await waitFor(async () => {
      const page = await list(`batch=${batch}`);
      return page.escalations.length === 1 ? page : undefined;
    });
    expect(remaining.escalations[0]!.id).toBe(b);
  });

  test('healthz is 200 against a live server; openapi.json is served', async () => {
    expect(await http('GET', '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect((await http('GET', '/openapi.json')).json.openapi).toMatch(/^3\./);
  });
});

describe('signed links', () => {
  async function mint(id: string, token = TOKENS.alice) {
    const res = await http('POST', `/v1/escalations/${id}/links`, { token });
    expect(res.status).toBe(200);
    return res.json as { approve: string; deny: string; expiresAt: string };
  }
  const pathOf = (url: string) => new URL(url).pathname;

  test('GET shows a confirmation page and never decides; POST decides once; a reused link is refused', async () => {
    const id = await pending('process_refund', { amount: 7777 });
    const links = await mint(id);
    expect(links.approve.startsWith(`${server.api.url}/v1/links/`)).toBe(true);
    const page = await http('GET', pathOf(links.approve));
    expect(page.status).toBe(200);
    expect(page.text).toContain('process_refund');
    expect(page.text).toContain('7777');
    expect(page.text).toContain('<form method="post">');
    expect(await statusOf(id)).toBe('pending-approval');

    const decided = await http('POST', pathOf(links.approve));
    expect(decided.status).toBe(200);
    expect(decided.json).toMatchObject({ action: 'allow', decidedBy: { identity: 'alice' } });
    const reused = await http('POST', pathOf(links.approve));
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe('GUARD_LINK_USED');
    const denyAfter = await http('POST', pathOf(links.deny), { headers: { accept: 'text/html' } });
    expect(denyAfter.status).toBe(409);
    expect(denyAfter.text).toContain('already approved by alice');
    expect(await env.guard.waitForResult(id)).toMatchObject({ action: 'allow', decidedBy: { identity: 'alice' } });
    expect(await acceptedDecisions(id)).toHaveLength(1);
  });

  test('forged and expired links are refused and the escalation stays pending', async () => {
    const id = await pending('process_refund', { amount: 8888 });
    const links = await mint(id);
    const token = pathOf(links.deny).split('/').pop() as string;
    const [claims, signature] = token.split('.') as [string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const forged = await http('POST', `/v1/links/${claims}.${flipped}`);
    expect(forged.status).toBe(403);
    expect(forged.json.error.code).toBe('GUARD_LINK_FORGED');
    // A link for another escalation, with claims edited to point here, fails its signature too.
    const otherClaims = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), d: 'approve' }),
    ).toString('base64url');
    expect((await http('POST', `/v1/links/${otherClaims}.${signature}`)).status).toBe(403);

    const pastSigner = createApprovalLinkSigner({ secret: SECRET, ttlMs: 1000, now: () => Date.now() - 60_000 });
    const expired = pastSigner.sign({ escalationId: id, decision: 'approve', approver: 'alice' });
    const expiredPost = await http('POST', `/v1/links/${expired}`);
    expect(expiredPost.status).toBe(410);
    expect(expiredPost.json.error.code).toBe('GUARD_LINK_EXPIRED');
    expect((await http('GET', `/v1/links/${expired}`)).status).toBe(410);
    expect((await http('GET', `/v1/links/not-a-token`)).status).toBe(400);

    expect(await statusOf(id)).toBe('pending-approval');
    expect(await acceptedDecisions(id)).toHaveLength(0);
    expect((await env.client.workflow.getHandle(id).query(statusQuery)).result).toBeUndefined();
  });

  test('only approvers of the rule may mint links', async () => {
    const id = await pending();
    const res = await http('POST', `/v1/escalations/${id}/links`, { token: TOKENS.bob });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('GUARD_FORBIDDEN');
  });
});
