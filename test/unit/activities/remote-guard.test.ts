import type { ServerResponse } from 'node:http';

import { createRemoteGuard } from '../../../src/activities/remote-guard';
import type { PolicyDecision } from '../../../src/policy';
import { PolicyEngine, parsePolicy } from '../../../src/policy';
import type { TestServer } from './http-servers';
import { json, startTestServer } from './http-servers';

describe('remote guard over real HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  // Generous by default (a loaded CI machine can take over 300 ms to answer a first request); the slow case sets 300ms.
  const engine = (failOpen: boolean, timeout = '10s') =>
    new PolicyEngine(
      [
        parsePolicy(
          `rules:\n  - id: remote\n    type: remote\n    tools: '*'\n    remote: { url: "${server.url}/guard", timeout: ${timeout}, retries: 1, failOpen: ${failOpen} }\n`,
          'r.yaml',
        ),
      ],
      { remoteGuard: createRemoteGuard() },
    );
  const call = { tool: 'send_email', input: { to: 'a@b.io' }, context: { agent: 'bot' } };
  const now = new Date('2025-06-01T12:00:00Z');

  test('posts {tool, input, context} and maps a modify answer', async () => {
    server.handle((res) =>
      json(res, 200, {
        action: 'modify',
        modified_input: { to: 'masked' },
        reason: 'masked recipient',
        rules_triggered: ['pii', { id: 'tone', action: 'block', mode: 'audit', message: 'rude' }],
      }),
    );
    const decision = await engine(false).decide(call, now);
    expect(server.requests[0]?.body).toEqual({
      tool: 'send_email',
      input: { to: 'a@b.io' },
      context: { agent: 'bot', batch: '', caller: '', time: '2025-06-01T12:00:00.000Z' },
    });
    expect(decision).toMatchObject({ action: 'modify', modifiedInput: { to: 'masked' } });
    expect(decision.rulesTriggered).toEqual([
      { id: 'remote', action: 'modify', mode: 'enforce', message: 'masked recipient' },
      { id: 'remote:pii', action: 'modify', mode: 'enforce' },
      { id: 'remote:tone', action: 'block', mode: 'audit', message: 'rude' },
    ]);
  });

  test.each<[string, (res: ServerResponse) => void, boolean, PolicyDecision['action'], RegExp]>([
    ['ok block', (res) => json(res, 200, { action: 'block', reason: 'no' }), false, 'block', /^no$/],
    ['ok allow', (res) => json(res, 200, { action: 'allow' }), false, 'allow', /.*/],
    [
      'slow, fail closed',
      (res) => setTimeout(() => json(res, 200, { action: 'allow' }), 1000),
      false,
      'block',
      /within 300 ms\); failing closed/,
    ],
    ['500, fail closed', (res) => json(res, 500, 'x'), false, 'block', /HTTP 500.*failing closed/],
    ['500, fail open', (res) => json(res, 500, 'x'), true, 'allow', /HTTP 500.*failing open/],
    ['modify without input', (res) => json(res, 200, { action: 'modify' }), false, 'block', /needs modified_input/],
    ['unknown action', (res) => json(res, 200, { action: 'deny' }), false, 'block', /malformed/],
    ['not JSON', (res) => json(res, 200, '<html>'), false, 'block', /invalid JSON/],
  ])('%s', async (name, handler, failOpen, action, message) => {
    server.handle(handler);
    const decision = await engine(failOpen, name.startsWith('slow') ? '300ms' : '10s').decide(call, now);
    expect(decision.action).toBe(action);
    if (action !== 'allow' || failOpen) expect(decision.rulesTriggered[0]?.message).toMatch(message);
  });
});
