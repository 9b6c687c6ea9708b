import { join } from 'node:path';
import { ShadowPolicy } from '../../../src/shadow/shadow-policy';
import { formatShadowSummary } from '../../../src/shadow/shadow-report';
import {
  liveActionClause,
  shadowCellQueries,
  summariseShadow,
  type ShadowCell,
} from '../../../src/shadow/shadow-summary';

const now = new Date('2026-12-01T12:00:00.000Z');

describe('shadowCellQueries', () => {
  const cells = shadowCellQueries({ sinceMs: 7 * 86_400_000, tool: "o'brien" }, now);

  test('one count per live action and shadow value', () => {
    expect(cells).toHaveLength(4 * 5);
    expect(new Set(cells.map((c) => `${c.live}->${c.shadow}`)).size).toBe(20);
  });

  test('each cell is the recorded calls in range, its live action and its GuardShadowAction, quoted', () => {
    const cell = cells.find((c) => c.live === 'allow' && c.shadow === 'escalate')!;
    expect(cell.query).toBe(
      "WorkflowType = 'guardedCall' AND StartTime > '2026-11-24T12:00:00.000Z' AND GuardTool = 'o\\'brien' AND " +
        "GuardAction = 'allow' AND GuardStatus NOT IN ('pending-approval', 'approved', 'denied', 'timed-out') AND " +
        "GuardShadowAction = 'escalate'",
    );
  });

  test('an escalation is told by its status: its GuardAction is the final one once a human decided', () => {
    expect(liveActionClause('escalate')).toBe("GuardStatus IN ('pending-approval', 'approved', 'denied', 'timed-out')");
    expect(liveActionClause('block')).toContain("GuardAction = 'block' AND GuardStatus NOT IN (");
  });
});

function counted(counts: Record<string, number>): (ShadowCell & { count: number })[] {
  return shadowCellQueries({}, now).map((cell) => ({ ...cell, count: counts[`${cell.live}->${cell.shadow}`] ?? 0 }));
}

describe('summariseShadow', () => {
  test('totals, agreement and the non-zero cells of the matrix', () => {
    const summary = summariseShadow(
      'q',
      counted({ 'allow->allow': 5, 'allow->escalate': 2, 'escalate->block': 3, 'block->block': 1, 'modify->error': 1 }),
    );
    expect(summary).toEqual({
      query: 'q',
      total: 12,
      agreed: 6,
      disagreed: 6,
      matrix: { allow: { allow: 5, escalate: 2 }, escalate: { block: 3 }, block: { block: 1 }, modify: { error: 1 } },
    });
  });

  test('nothing recorded: an empty matrix', () => {
    expect(summariseShadow('q', counted({}))).toEqual({ query: 'q', total: 0, agreed: 0, disagreed: 0, matrix: {} });
  });
});

describe('formatShadowSummary', () => {
  test('a matrix like the backtest one; the error column only when a shadow failed', () => {
    const text = formatShadowSummary(summariseShadow('q', counted({ 'allow->allow': 3, 'allow->block': 1 })));
    expect(text).toBe(
      [
        'shadow decisions recorded: 4',
        'query: q',
        '',
        'live \\ shadow  allow  modify  escalate  block',
        'allow          3      0       0         1',
        '',
        'disagreed: 1 (25.0%), agreed: 3',
        '',
      ].join('\n'),
    );
    expect(formatShadowSummary(summariseShadow('q', counted({ 'block->error': 2 })))).toMatch(
      /^live \\ shadow {2}allow {2}modify {2}escalate {2}block {2}error\nblock {10}0 {6}0 {7}0 {9}0 {6}2$/m,
    );
  });

  test('nothing recorded says where shadow decisions come from', () => {
    expect(formatShadowSummary(summariseShadow('q', counted({})))).toContain('DURABLE_GUARD_SHADOW_POLICY');
  });
});

describe('ShadowPolicy', () => {
  const file = join(__dirname, '..', '..', 'integration', 'fixtures', 'shadow', 'stricter-with-judge.yaml');
  let shadow: ShadowPolicy;
  beforeAll(() => {
    shadow = new ShadowPolicy([file], { intervalMs: 60_000 });
  });
  afterAll(() => shadow.close());

  test('decides offline: the llm-judge rule is skipped and named, never called', async () => {
    const decision = await shadow.decide({ tool: 'send_email', input: { to: 'a@example.com', body: 'hi' } }, now);
    expect(decision).toEqual({
      action: 'allow',
      rules: [],
      policyVersion: shadow.version,
      skippedRules: ['email-judge'],
    });
  });

  test('the stricter rules decide', async () => {
    expect(await shadow.decide({ tool: 'process_refund', input: { amount: 8000 } }, now)).toMatchObject({
      action: 'block',
      rules: expect.arrayContaining(['refund-cap', 'big-refund']),
    });
    const noSkipped = await shadow.decide({ tool: 'process_refund', input: { amount: 10 } }, now);
    expect(noSkipped).not.toHaveProperty('skippedRules');
  });

  test('a shadow file that does not parse is refused with file, line and rule', () => {
    const broken = join(__dirname, '..', '..', 'integration', 'fixtures', 'backtest', 'broken.yaml');
    expect(() => new ShadowPolicy([broken])).toThrow(/broken\.yaml:6: rule 'big-refund': unknown action 'escalte'/);
  });
});
