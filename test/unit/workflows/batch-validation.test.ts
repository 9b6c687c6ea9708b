import {
  batchInputIssue,
  batchReportIssue,
  HISTORY_BUDGET_RANGE,
  outcomesRangeIssue,
} from '../../../src/workflows/batch-validation';

describe('batchInputIssue', () => {
  test.each([
    [{ source: { items: [] } }],
    [{ source: { path: '/tmp/b.jsonl' }, expectedTotal: 0 }],
    [{ source: { items: [] }, batchId: 'b-1', concurrency: 500, historyBudget: HISTORY_BUDGET_RANGE.min }],
    [{ source: { items: [] }, escalationTimeoutMs: 1.5 }],
  ])('accepts %j', (input) => expect(batchInputIssue(input)).toBeUndefined());

  test.each([
    [undefined, /batch input must be an object/],
    [[], /batch input must be an object .*an array/],
    [{}, /source must be/],
    [{ source: 'x' }, /source must be .*"x"/],
    [{ source: { items: {} } }, /source\.items must be an array \(got object\)/],
    [{ source: { path: '' } }, /source\.path must name the batch file/],
    [{ source: {} }, /source\.path must name the batch file \(got undefined\)/],
    [{ source: { items: [] }, batchId: 7 }, /batchId must be a string/],
    [{ source: { items: [] }, batchId: 'x'.repeat(300) }, /batchId is 300 characters long/],
    [{ source: { items: [] }, concurrency: 1.5 }, /concurrency must be a whole number from 1 to 500 \(got 1.5\)/],
    [{ source: { items: [] }, concurrency: 501 }, /concurrency/],
    [{ source: { items: [] }, concurrency: null }, /concurrency .*\(got null\)/],
    [{ source: { items: [] }, historyBudget: 19 }, /historyBudget must be a whole number from 20 to 40000/],
    [{ source: { items: [] }, historyBudget: 1e6 }, /historyBudget/],
    [{ source: { path: '/b' }, expectedTotal: -1 }, /expectedTotal/],
    [{ source: { path: '/b' }, expectedTotal: 2 ** 60 }, /expectedTotal/],
    [{ source: { items: [] }, escalationTimeoutMs: 0 }, /escalationTimeoutMs must be a positive number/],
    [{ source: { items: [] }, escalationTimeoutMs: 'x'.repeat(1_000) }, /got "x{64}\.\.\."\)$/],
  ])('refuses %j', (input, message) => expect(batchInputIssue(input)?.message).toMatch(message));
});

describe('batchReportIssue', () => {
  test.each([
    [{ index: 0, status: 'pending-approval', tool: 'process_refund' }],
    [{ index: 3, status: 'done', action: 'modify', reason: 'edited' }],
    [{ index: 3, status: 'failed', reason: 'r'.repeat(1_000) }],
  ])('accepts %j', (report) => expect(batchReportIssue(report)).toBeUndefined());

  test.each([
    [null, /the report must be an object/],
    ['done', /the report must be an object/],
    [{ index: '1', status: 'done', action: 'allow' }, /index must be/],
    [{ index: -1, status: 'done', action: 'allow' }, /index must be/],
    [{ index: 0.5, status: 'done', action: 'allow' }, /index must be/],
    [{ index: 2 ** 60, status: 'done', action: 'allow' }, /index must be/],
    [{ index: 0, status: 'running' }, /status must be/],
    [{ index: 0, status: { a: {} } }, /status must be .*\(got object\)/],
    [{ index: 0, status: 'done' }, /'done' report must give its action/],
    [{ index: 0, status: 'done', action: 'escalate' }, /action must be/],
    [{ index: 0, status: 'failed', reason: { a: {} } }, /reason must be a string/],
    [{ index: 0, status: 'failed', tool: 't'.repeat(129) }, /tool must be a tool name of at most 128/],
  ])('refuses %j', (report, message) => expect(batchReportIssue(report)?.message).toMatch(message));

  test('a value nested 100,000 deep is refused without walking it', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(batchReportIssue({ index: 0, status: 'failed', reason: deep })?.message).toMatch(/reason must be a string/);
    expect(batchReportIssue(deep)?.message).toMatch(/index must be/);
  });
});

describe('outcomesRangeIssue (the batchOutcomes query argument)', () => {
  test.each([[{ offset: 0 }], [{ offset: 99_999, limit: 1 }], [{ offset: 5, limit: 5_000 }]])('accepts %j', (range) =>
    expect(outcomesRangeIssue(range)).toBeUndefined(),
  );

  test.each([
    [undefined, /argument must be \{offset, limit\?\}/],
    [[0, 10], /argument must be \{offset, limit\?\}/],
    [{}, /offset must be a whole number from 0/],
    [{ offset: -1 }, /offset must be a whole number from 0 \(got -1\)/],
    [{ offset: 1.5 }, /offset must be a whole number/],
    [{ offset: '3' }, /offset must be a whole number/],
    [{ offset: 2 ** 60 }, /offset must be a whole number/],
    [{ offset: 0, limit: 0 }, /limit must be a whole number from 1/],
    [{ offset: 0, limit: Number.NaN }, /limit must be a whole number from 1/],
    [{ offset: 0, limit: '10' }, /limit must be a whole number from 1/],
  ])('refuses %j, naming the problem', (range, message) => expect(outcomesRangeIssue(range)).toMatch(message));
});
