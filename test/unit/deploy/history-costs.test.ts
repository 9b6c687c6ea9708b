import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { costTable, historyCost } from '../../../bench/history-costs';

/** The cells of every row of a markdown table, trimmed (so prettier's alignment does not matter). */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

describe('history costs in docs/operations.md', () => {
  test('the table is the one bench/history-costs.ts counts from the recorded histories', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/operations.md'), 'utf8');
    const block = /<!-- history-costs -->([\s\S]*?)<!-- \/history-costs -->/.exec(doc)?.[1];
    expect(block).toBeDefined();
    expect(cells(block as string)).toEqual(cells(costTable()));
  });

  test('counting rules: start, timer, upserts, signals and accepted updates; local activities once per task', () => {
    const e = (eventId: number, eventType: string, extra: object = {}) => ({
      eventId: String(eventId),
      eventType: `EVENT_TYPE_${eventType}`,
      ...extra,
    });
    const la = (id: number, task: number) =>
      e(id, 'MARKER_RECORDED', {
        markerRecordedEventAttributes: {
          markerName: 'core_local_activity',
          workflowTaskCompletedEventId: String(task),
        },
      });
    const patch = e(9, 'MARKER_RECORDED', { markerRecordedEventAttributes: { markerName: 'core_patch' } });
    const history = [
      e(1, 'WORKFLOW_EXECUTION_STARTED'),
      e(4, 'WORKFLOW_TASK_COMPLETED'),
      la(5, 4),
      la(6, 4),
      e(7, 'TIMER_STARTED'),
      e(8, 'ACTIVITY_TASK_STARTED', { activityTaskStartedEventAttributes: { attempt: 3 } }),
      patch,
      e(10, 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED'),
      la(11, 10),
      e(12, 'WORKFLOW_EXECUTION_COMPLETED'),
    ];
    // 1 start + 1 timer + 3 activity attempts + 1 update + 2 workflow tasks with local activities; markers of patches free.
    expect(historyCost(history)).toEqual({ events: 10, actions: 8 });
  });
});

describe('the call record (patch backtest-memo)', () => {
  const events = (name: string) =>
    (
      JSON.parse(readFileSync(join(__dirname, '../../../test/replay/histories', `${name}.json`), 'utf8')) as {
        events: { eventType: string }[];
      }
    ).events;

  test('adds no history event and no action: it rides in the memo upsert every decision makes', () => {
    const withRecord = events('allow-call-record');
    const without = events('allow-call-records-off');
    expect(withRecord.map((e) => e.eventType)).toEqual(without.map((e) => e.eventType));
    expect(historyCost(withRecord as never)).toEqual(historyCost(without as never));
  });
});
