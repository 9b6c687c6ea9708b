/**
 * History events and estimated Temporal Cloud actions per guarded call, counted from the recorded histories in
 * test/replay/histories (real runs against the dev server). docs/operations.md holds the table this prints; a unit
 * test keeps the two equal.
 *
 *   npx tsx bench/history-costs.ts
 *
 * Actions as Temporal Cloud bills them from a history (its "Actions" page, read 2026-12-01): a workflow start
 * (client, child or continue-as-new), a timer, each search-attribute or memo upsert, each signal received, each
 * update accepted, each activity attempt, and the local activities of one workflow task together as one. Not in a
 * history, so not counted here: queries (1 each: `status`, batch `progress`), rejected updates (1 each) and
 * activity heartbeats (1 each recorded).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface HistoryEvent {
  eventId: string;
  eventType: string;
  markerRecordedEventAttributes?: { markerName?: string; workflowTaskCompletedEventId?: string };
  activityTaskStartedEventAttributes?: { attempt?: number };
}

export interface HistoryCost {
  events: number;
  actions: number;
}

const ONE_ACTION = new Set([
  'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
  'EVENT_TYPE_TIMER_STARTED',
  'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
]);

/** Events and estimated actions of one history (a child's start is counted in the child's own history). */
export function historyCost(events: HistoryEvent[]): HistoryCost {
  let actions = 0;
  const localActivityTasks = new Set<string>();
  for (const e of events) {
    if (ONE_ACTION.has(e.eventType)) actions += 1;
    else if (e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED')
      actions += e.activityTaskStartedEventAttributes?.attempt ?? 1;
    else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      localActivityTasks.add(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? e.eventId);
    }
  }
  return { events: events.length, actions: actions + localActivityTasks.size };
}

const HISTORIES = join(__dirname, '..', 'test', 'replay', 'histories');

function load(name: string): HistoryEvent[] {
  return (JSON.parse(readFileSync(join(HISTORIES, `${name}.json`), 'utf8')) as { events: HistoryEvent[] }).events;
}

/** The paths of docs/operations.md, each with the recorded histories it sums. */
export const COST_PATHS: { path: string; histories: string[]; note: string }[] = [
  { path: 'allow (decision only)', histories: ['allow'], note: 'the policy as a local activity' },
  { path: 'block', histories: ['block'], note: 'plus the memo with the reason' },
  {
    path: 'escalate, then approve through the API',
    histories: ['escalate-approve-update'],
    note: 'the `decide` update; the approval timer',
  },
  {
    path: 'escalate, then approve by signal',
    histories: ['escalate-approve-signal'],
    note: 'Web UI or `temporal workflow signal`',
  },
  {
    path: 'executed call, tool as a local activity',
    histories: ['execute-local-modify'],
    note: 'a batch item of the example tools',
  },
  {
    path: 'batch item, escalated then approved, tool run',
    histories: ['batch-item-escalate-approve'],
    note: 'the item workflow alone',
  },
];

/** A batch parent's events and actions per item, from a run that started 12 children (no escalations). */
export function batchParentPerItem(): HistoryCost & { items: number } {
  const events = load('batch-continue-as-new');
  const items = events.filter((e) => e.eventType === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length;
  const cost = historyCost(events);
  return { events: cost.events / items, actions: cost.actions / items, items };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const million = (n: number) => `${fmt(n)} M`;

/** The markdown table of docs/operations.md. */
export function costTable(): string {
  const parent = batchParentPerItem();
  const rows = COST_PATHS.map(({ path, histories, note }) => {
    const cost = histories
      .map((h) => historyCost(load(h)))
      .reduce((a, b) => ({
        events: a.events + b.events,
        actions: a.actions + b.actions,
      }));
    const files = histories.map((h) => `\`${h}.json\``).join(', ');
    return `| ${path} | ${files} | ${cost.events} | ${cost.actions} | ${million(cost.events)} | ${million(cost.actions)} | ${note} |`;
  });
  rows.push(
    `| batch parent, per item | \`batch-continue-as-new.json\` (${parent.items} children) | ${fmt(parent.events)} | ` +
      `${fmt(parent.actions)} | ${million(parent.events)} | ${million(parent.actions)} | add to the item's own row |`,
  );
  return [
    '| path | recorded history | events | actions | events per million calls | actions per million calls | notes |',
    '|---|---|---:|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

if (require.main === module) process.stdout.write(`${costTable()}\n`);
