import type { ServerResponse } from 'node:http';

import { createLlmJudge, parseVerdict } from '../../../src/activities/llm-judge';
import type { LlmJudgeRequest } from '../../../src/policy';
import { PolicyEngine, parsePolicy } from '../../../src/policy';
import type { TestServer } from './http-servers';
import { json, startTestServer } from './http-servers';

const completion = (content: string) => ({ choices: [{ message: { role: 'assistant', content } }] });

describe('llm judge over real HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const request = (overrides: Partial<LlmJudgeRequest> = {}): LlmJudgeRequest => ({
    ruleId: 'judge',
    baseUrl: server.url,
    model: 'tiny',
    prompt: 'Is this fine?',
    apiKeyEnv: 'JUDGE_KEY',
    // Generous: a loaded CI machine once took over 300 ms to answer the first request (a retry, two requests).
    // Only the timeout case below sets a short one.
    timeoutMs: 10_000,
    retries: 1,
    ...overrides,
  });
  const judge = createLlmJudge({ env: { JUDGE_KEY: 'sk-test' } });

  test('posts a chat completion with the key from the named variable and parses the verdict', async () => {
    server.handle((res) => json(res, 200, completion('```json\n{"action": "block", "reason": "refund to self"}\n```')));
    await expect(judge(request())).resolves.toEqual({ action: 'block', reason: 'refund to self' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0]?.body).toMatchObject({
      model: 'tiny',
      messages: [{ role: 'system' }, { role: 'user', content: 'Is this fine?' }],
    });
  });

  test.each<[string, (res: ServerResponse) => void, RegExp]>([
    [
      'slow -> timeout',
      (res) => setTimeout(() => json(res, 200, completion('{"action":"allow"}')), 1000),
      /within 300 ms/,
    ],
    ['500', (res) => json(res, 500, 'boom'), /HTTP 500/],
    ['not JSON', (res) => json(res, 200, 'hello'), /invalid JSON/],
    ['no choices', (res) => json(res, 200, { id: 'x' }), /not a chat completion/],
    ['prose verdict', (res) => json(res, 200, completion('I think it is fine')), /no JSON verdict/],
    ['unknown action', (res) => json(res, 200, completion('{"action":"maybe"}')), /judge verdict needs/],
  ])('%s: rejects after the bounded retries', async (name, handler, message) => {
    server.handle(handler);
    await expect(judge(request(name === 'slow -> timeout' ? { timeoutMs: 300 } : {}))).rejects.toThrow(message);
    expect(server.requests).toHaveLength(2);
  });

  test('a 4xx is not retried', async () => {
    server.handle((res) => json(res, 401, { error: 'bad key' }));
    await expect(judge(request({ retries: 3 }))).rejects.toThrow(/HTTP 401/);
    expect(server.requests).toHaveLength(1);
  });

  test('a retry recovers from one failure', async () => {
    server.handle((res, attempt) =>
      attempt === 1 ? json(res, 503, 'busy') : json(res, 200, completion('{"action":"escalate"}')),
    );
    await expect(judge(request())).resolves.toEqual({ action: 'escalate' });
  });

  test('a missing key variable fails without calling the server', async () => {
    server.handle((res) => json(res, 200, completion('{"action":"allow"}')));
    await expect(createLlmJudge({ env: {} })(request())).rejects.toThrow(
      "rule 'judge': environment variable JUDGE_KEY is not set",
    );
    expect(server.requests).toHaveLength(0);
  });

  test('end to end: a failing judge makes the engine escalate (the default fallback)', async () => {
    server.handle((res) => json(res, 500, 'down'));
    const engine = new PolicyEngine(
      [
        parsePolicy(
          `rules:\n  - id: judge\n    type: llm-judge\n    tools: '*'\n    llm: { baseUrl: "${server.url}", model: m, prompt: "{{input}}", timeout: 200ms, retries: 0 }\n`,
          'j.yaml',
        ),
      ],
      { llmJudge: createLlmJudge() },
    );
    const decision = await engine.decide({ tool: 'x', input: {} }, new Date());
    expect(decision.action).toBe('escalate');
    expect(decision.rulesTriggered[0]?.message).toMatch(/^llm-judge failed \(.*HTTP 500.*\); fallback escalate$/);
  });

  test.each([
    ['{"action":"allow"}', { action: 'allow' }],
    ['Verdict: {"action": "block", "reason": "x"} done', { action: 'block', reason: 'x' }],
  ])('parseVerdict(%s)', (content, verdict) => {
    expect(parseVerdict(content)).toEqual(verdict);
  });
});
