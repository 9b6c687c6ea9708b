import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PoliciesOverview } from '../../src/api/policies-overview';
import { createApproverRegistry } from '../../src/approvals';
import { PolicyEngine } from '../../src/policy';
import { apiFixture, integrationEnv } from './helpers';
import {
  EXAMPLE_POLICY,
  EXPECTED_HITS,
  EXPECTED_SHADOW,
  policiesWorker,
  RECORDED_CALLS,
  recordPolicyCalls,
  saveStricterBacktest,
} from './policies-calls';

const TOKEN = 'policies-page-token-0123456789abcdef';
const lastBacktestFile = join(mkdtempSync(join(tmpdir(), 'dg-policies-page-')), 'last-backtest.json');
const file = {} as { env: Awaited<ReturnType<typeof integrationEnv>> };
let stop: () => Promise<void>;

beforeAll(async () => {
  file.env = await integrationEnv('policies-page');
  stop = (await policiesWorker(file.env)).stop;
  await recordPolicyCalls(file.env);
  await saveStricterBacktest(file.env, lastBacktestFile, {
    savedAt: new Date().toISOString(),
    candidateFiles: ['stricter.yaml'],
    failedThresholds: ['block>0 (is 2)'],
  });
}, 300_000);

afterAll(async () => {
  await stop?.();
  await file.env?.close();
});

const { http } = apiFixture(file, {
  approvers: createApproverRegistry([{ id: 'alice', groups: ['finance'], token: TOKEN }]),
  policyFiles: [EXAMPLE_POLICY],
  lastBacktestFile,
});

test("GET /v1/policies: the files in force, every rule's hits counted exactly, shadow disagreement, the last backtest", async () => {
  expect((await http('GET', '/v1/policies')).status).toBe(401);
  const res = await http('GET', '/v1/policies', { token: TOKEN });
  expect(res.status).toBe(200);
  const overview = res.json as PoliciesOverview;
  expect(overview.version).toBe(PolicyEngine.fromFiles([EXAMPLE_POLICY]).version);
  expect(overview.files).toEqual([expect.objectContaining({ path: EXAMPLE_POLICY, name: 'example' })]);
  const hits = Object.fromEntries(overview.rules.map((rule) => [rule.id, rule.hits]));
  expect(hits).toEqual(Object.fromEntries(Object.entries(EXPECTED_HITS).map(([id, n]) => [id, { day: n, week: n }])));
  expect(overview.shadow).toMatchObject({ total: RECORDED_CALLS, agreed: 16, disagreed: 6, matrix: EXPECTED_SHADOW });
  expect(overview.lastBacktest?.summary).toMatchObject({
    decided: RECORDED_CALLS,
    matrix: {
      allow: { allow: 8, escalate: 4 },
      modify: { modify: 3 },
      escalate: { escalate: 3, block: 2 },
      block: { block: 2 },
    },
  });
  expect(overview.lastBacktest?.failedThresholds).toEqual(['block>0 (is 2)']);
}, 120_000);

test('the overview fragment shows the same counts, escaped, for an approver only', async () => {
  expect((await http('GET', '/inbox/policies/overview')).status).toBe(401);
  const res = await http('GET', '/inbox/policies/overview', { token: TOKEN });
  expect(res.status).toBe(200);
  expect(res.text).toMatch(/<code class="rule-id">big-refund<\/code>.*?<span class="hits-day">7<\/span>/s);
  expect(res.text).toContain(`${RECORDED_CALLS} calls with a shadow decision: 16 agreed, <strong>6 disagreed</strong>`);
  expect(res.text).toContain(`<dd class="decided">${RECORDED_CALLS} calls: 6 changed, 16 unchanged</dd>`);
}, 60_000);
