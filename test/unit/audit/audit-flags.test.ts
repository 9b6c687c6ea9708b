import { auditQuery } from '../../../src/audit/audit-query';
import { auditFilters } from '../../../src/cli/audit-command';
import { parseTimeFlag } from '../../../src/cli/time-flag';

const now = new Date('2026-12-01T12:00:00.000Z');

test.each([
  ['7d', '2026-11-24T12:00:00.000Z'],
  ['90m', '2026-12-01T10:30:00.000Z'],
  ['2026-11-30', '2026-11-30T00:00:00.000Z'],
  ['2026-11-30T09:15:00Z', '2026-11-30T09:15:00.000Z'],
  ['2026-11-30T09:15:00.5+01:00', '2026-11-30T08:15:00.500Z'],
])('parseTimeFlag(%s)', (text, iso) => {
  expect(parseTimeFlag(text, '--since', now).toISOString()).toBe(iso);
});

test.each(['yesterday', '0s', '-5m', '2026-11-30T09:15:00', '2026-13-40T00:00:00Z', ''])(
  'parseTimeFlag refuses %p naming the flag',
  (text) => {
    expect(() => parseTimeFlag(text, '--until', now)).toThrow(
      `--until must be a duration ago (a number and one of ms, s, m, h, d, e.g. 30m, 7d) or an ISO 8601 time with a zone (e.g. 2026-12-01T09:00:00Z), got '${text}'`,
    );
  },
);

test('the flags become filters; until defaults to now', () => {
  expect(auditFilters({ since: '1d', concurrency: '32', tool: 'refund', batch: 'b1' }, 'q', now)).toEqual({
    taskQueue: 'q',
    since: new Date('2026-11-30T12:00:00.000Z'),
    until: now,
    tool: 'refund',
    batch: 'b1',
  });
});

test.each([
  [
    { since: '1h', until: '2h' },
    '--since (2026-12-01T11:00:00.000Z) must be before --until (2026-12-01T10:00:00.000Z)',
  ],
  [{ since: '1h', tool: '' }, '--tool must be 1 to 128 characters, got nothing'],
  [{ since: '1h', tool: 'x'.repeat(129) }, '--tool must be 1 to 128 characters, got 129'],
  [{ since: '1h', batch: ' ' }, '--batch must be 1 to 256 characters, got 1'],
  [{ since: 'soon' }, '--since must be a duration ago'],
])('bad flags are refused by name: %p', (flags, message) => {
  expect(() => auditFilters({ concurrency: '32', ...flags }, 'q', now)).toThrow(message);
});

test('the query: completed guarded calls on the task queue, closed in the window, quoted filters', () => {
  expect(
    auditQuery({
      taskQueue: 'durable-guard',
      since: new Date('2026-11-30T12:00:00.000Z'),
      until: now,
      tool: "it's",
      batch: 'b1',
    }),
  ).toBe(
    "WorkflowType = 'guardedCall' AND TaskQueue = 'durable-guard' AND ExecutionStatus = 'Completed' AND " +
      "CloseTime > '2026-11-30T12:00:00.000Z' AND CloseTime <= '2026-12-01T12:00:00.000Z' AND " +
      "GuardTool = 'it\\'s' AND GuardBatchId = 'b1'",
  );
});
