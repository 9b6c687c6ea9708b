import { join } from 'node:path';
import { loadCandidate } from '../../../src/backtest/candidate';
import { crossedThresholds, metricValue, parseThreshold } from '../../../src/backtest/fail-on';
import type { RecordedCall } from '../../../src/backtest/recorded-calls';
import { recordedCallsQuery } from '../../../src/backtest/recorded-query';
import { formatBacktest, webUiLink } from '../../../src/backtest/report';
import { BacktestTally, responsibleRules } from '../../../src/backtest/tally';
import type { PolicyDecision } from '../../../src/policy';

const fixtures = join(__dirname, '..', '..', 'integration', 'fixtures', 'backtest');

function recorded(id: string, amount: number, action: RecordedCall['action'], extra: Partial<RecordedCall> = {}) {
  return {
    workflowId: id,
    runId: `run-${id}`,
    call: { tool: 'process_refund', input: { amount } },
    startedAt: new Date('2026-12-01T10:00:00Z'),
    action,
    rules: [],
    ...extra,
  } satisfies RecordedCall;
}

async function tallyOf(calls: RecordedCall[], file = 'stricter.yaml') {
  const { engine } = loadCandidate([join(fixtures, file)]);
  const tally = new BacktestTally(engine.version, 'q', 2);
  for (const call of calls) tally.add(call, await engine.decide(call.call, call.startedAt));
  return tally.result();
}

test('counts transitions, the rules behind them, bounded examples and the sharp cases', async () => {
  const summary = await tallyOf([
    recorded('a', 700, 'allow'),
    recorded('b', 700, 'allow'),
    recorded('c', 700, 'allow'),
    recorded('d', 8000, 'escalate', { outcome: 'approved', rules: ['big-refund'] }),
    recorded('e', 8000, 'escalate', { outcome: 'denied', rules: ['big-refund'] }),
    recorded('f', 100, 'allow'),
  ]);
  expect(summary.matrix).toEqual({ allow: { allow: 1, escalate: 3 }, escalate: { block: 2 } });
  expect(summary.rulesByTransition).toEqual({
    'allow->escalate': { 'big-refund': 3 },
    'escalate->block': { 'refund-cap': 2 },
  });
  expect(summary.examples['allow->escalate']?.map((e) => e.workflowId)).toEqual(['a', 'b']);
  expect(summary.sharp['allowed-would-escalate'].count).toBe(3);
  expect(summary.sharp['approved-would-block']).toMatchObject({ count: 1, examples: [{ workflowId: 'd' }] });
  expect(summary.outcomes).toEqual({ approved: 1, denied: 1 });
});

test('a looser decision names the recorded rules that no longer fire', () => {
  const decision: PolicyDecision = { action: 'allow', rulesTriggered: [], policyVersion: 'v' };
  expect(responsibleRules(recorded('x', 2000, 'escalate', { rules: ['big-refund', 'audit-only'] }), decision)).toEqual([
    'big-refund',
    'audit-only',
  ]);
});

test.each([
  ['block>0', 'block', '>', 0],
  ['changed >= 10', 'changed', '>=', 10],
  ['allow->escalate>5', 'allow->escalate', '>', 5],
  ['approved-would-block>0', 'approved-would-block', '>', 0],
])('parses the threshold %s', (text, metric, op, value) => {
  expect(parseThreshold(text)).toMatchObject({ metric, op, value });
});

test.each(['block', 'blocked>0', 'block<1', 'allow->nothing>0', 'block>-1'])('refuses the threshold %s', (text) => {
  expect(() => parseThreshold(text)).toThrow(/METRIC>N or METRIC>=N/);
});

test('thresholds are measured on the summary', async () => {
  const summary = await tallyOf([
    recorded('a', 700, 'allow'),
    recorded('d', 8000, 'escalate', { outcome: 'approved' }),
  ]);
  expect(metricValue(summary, 'block')).toBe(1);
  expect(metricValue(summary, 'escalate')).toBe(1);
  expect(metricValue(summary, 'sharp')).toBe(2);
  expect(crossedThresholds(summary, ['block>0', 'changed>=3', 'allow->escalate>=1'].map(parseThreshold))).toEqual([
    'block>0 (is 1)',
    'allow->escalate>=1 (is 1)',
  ]);
});

test('the visibility query ANDs every filter', () => {
  const now = new Date('2026-12-08T00:00:00Z');
  expect(
    recordedCallsQuery({ sinceMs: 7 * 86_400_000, tool: "it's", batch: 'b1', query: "GuardRules = 'x'" }, now),
  ).toBe(
    "WorkflowType = 'guardedCall' AND StartTime > '2026-12-01T00:00:00.000Z' AND GuardTool = 'it\\'s' AND " +
      "GuardBatchId = 'b1' AND (GuardRules = 'x')",
  );
});

test('the report links each example to the Web UI', async () => {
  const summary = await tallyOf([recorded('guard-1', 8000, 'escalate', { outcome: 'approved' })]);
  const text = formatBacktest(summary, { baseUrl: 'http://localhost:8233/', namespace: 'default' });
  expect(webUiLink({ baseUrl: 'http://ui/', namespace: 'ns 1' }, 'a/1', 'r')).toBe(
    'http://ui/namespaces/ns%201/workflows/a%2F1/r/history',
  );
  expect(text).toContain('escalate->block: 1 calls; rules: refund-cap (1)');
  expect(text).toContain(
    'guard-1 process_refund (approved) [refund-cap] http://localhost:8233/namespaces/default/workflows/guard-1/run-guard-1/history',
  );
  expect(text).toContain('approved-would-block: 1');
});
