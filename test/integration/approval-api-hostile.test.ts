import fc from 'fast-check';
import { temporal } from '@temporalio/proto';
import { Agent, request } from 'undici';
import { startApi, type RunningApi } from '../../src/api';
import { encodePageToken } from '../../src/api/page-token';
import { createApprovalLinkSigner, createApproverRegistry, MemoryUsedLinkStore } from '../../src/approvals';
import { denySignal, type GuardResult } from '../../src/workflows/definitions';
import { contractProblem } from '../unit/api/contract';
import { bodyText, contentType, fillPath, queryString, routeTemplates, segment } from '../unit/api/hostile-requests';
import { tableDecider, waitFor, workerForFile } from './helpers';

const decider = tableDecider({
  open_door: {
    action: 'escalate',
    reason: 'physical access',
    rulesTriggered: [{ id: 'door', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 60_000 },
  },
});

const { WorkflowTaskFailedCause } = temporal.api.enums.v1;
const TOKEN = 'alice-token-0123456789abcdef';
const file = workerForFile('approval-api-hostile', decider);
let api: RunningApi;
const agent = new Agent({ connections: 16 });

beforeAll(async () => {
  api = await startApi({
    client: file.env.client,
    taskQueue: file.env.taskQueue,
    port: 0,
    approvers: createApproverRegistry([{ id: 'alice', token: TOKEN }]),
    links: createApprovalLinkSigner({
      secret: 'integration-link-secret-0123456789abcdef',
      ttlMs: 60_000,
      usedLinks: new MemoryUsedLinkStore(),
    }),
  });
});

afterAll(async () => {
  await api.close();
  await agent.close();
});

async function send(method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(`${api.url}${path}`, {
    method: method as 'GET',
    headers: options.headers,
    body: options.body,
    dispatcher: agent,
  });
  const text = await res.body.text();
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), text };
}

async function pending(door: string): Promise<string> {
  const result = await file.env.guard.check('open_door', { door });
  const id = result.escalationId as string;
  await waitFor(async () => ((await file.env.guard.status(id)).status === 'pending-approval' ? true : undefined));
  return id;
}

test('an approval racing a deny signal sent by the plain Temporal client is 200 or 409, never 500', async () => {
  const outcomes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const id = await pending(`race-${i}`);
    const handle = file.env.client.workflow.getHandle(id);
    // The signal lands before, during or after the update: from before the status check to after the workflow closed.
    const signal = new Promise((r) => setTimeout(r, (i * 3) % 60))
      .then(() => handle.signal(denySignal, { by: 'bob', reason: 'no' }))
      .catch((err: unknown) => {
        // The approval won and the workflow closed before the signal arrived.
        expect((err as Error).name).toBe('WorkflowNotFoundError');
      });
    const [answer] = await Promise.all([
      send('POST', `/v1/escalations/${id}/approve`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      signal,
    ]);
    expect(contractProblem(answer.status, answer.type, answer.text)).toBeUndefined();
    expect([200, 409]).toContain(answer.status);
    const result = (await file.env.guard.waitForResult(id)) as GuardResult;
    if (answer.status === 200) {
      expect(result).toMatchObject({ action: 'allow', decidedBy: { identity: 'alice' } });
    } else {
      expect(JSON.parse(answer.text).error).toEqual({
        code: 'GUARD_ALREADY_DECIDED',
        message: expect.stringContaining('already denied by bob'),
      });
      expect(result).toMatchObject({ action: 'block', decidedBy: { identity: 'bob' } });
    }
    // The only task failures allowed are the server's own UnhandledCommand: a signal or update that arrived while
    // the workflow was completing makes it run the task again with the new event. The workflow code never fails.
    const history = await handle.fetchHistory();
    const causes = (history.events ?? []).flatMap((e) =>
      e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.cause] : [],
    );
    for (const cause of causes)
      expect(cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND);
    outcomes.push(answer.status);
  }
  // Both sides won at least once, so the race was run, not just one order.
  expect(outcomes).toContain(409);
}, 180_000);

describe('page tokens Temporal cannot read are 400, not 500', () => {
  test.each([
    [
      'a token with a valid check around garbage',
      () => encodePageToken({ taskQueue: file.env.taskQueue }, Buffer.from('AAAA', 'base64url')),
    ],
    ['AAAA', () => 'AAAA'],
    ['base64 of garbage', () => Buffer.from('garbage-garbage-garbage').toString('base64url')],
  ])('%s', async (_name, token) => {
    const res = await send('GET', `/v1/escalations?pageToken=${token()}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toEqual({
      code: 'GUARD_INVALID_REQUEST',
      message: expect.stringContaining('is not a nextPageToken of this listing'),
    });
  });
});

describe('hostile requests against the real server: coded 4xx or 2xx, never 5xx', () => {
  const routes = routeTemplates();
  const auth = { authorization: `Bearer ${TOKEN}` };

  test('arbitrary bodies at every route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 1, maxLength: 2 }),
        bodyText,
        contentType,
        async (route, segments, body, type) => {
          const res = await send('POST', fillPath(route.path, segments), {
            headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
            body,
          });
          expect(contractProblem(res.status, res.type, res.text)).toBeUndefined();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  test('arbitrary path segments and query strings at every route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(segment, { minLength: 1, maxLength: 2 }),
        queryString,
        async (route, segments, query) => {
          const res = await send(route.method, `${fillPath(route.path, segments)}${query}`, { headers: auth });
          expect(contractProblem(res.status, res.type, res.text)).toBeUndefined();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});
