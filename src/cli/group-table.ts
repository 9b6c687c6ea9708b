/** The grouped queue as a fixed-width table (`durable-guard escalations --group-by batch,tool`). */
import type { EscalationGroup, GroupKey } from '../api/escalation-groups';
import { formatTable, minutesCell } from './table';

export function groupTable(by: GroupKey[], groups: EscalationGroup[], now = Date.now()): string {
  const header = [...by.map((k) => k.toUpperCase()), 'COUNT', 'OLDEST', 'EXPIRES IN', 'APPROVERS', 'SAMPLE'];
  const lines = groups.map((g) => [
    ...by.map((k) => g.key[k] ?? '-'),
    String(g.count),
    minutesCell(now - Date.parse(g.oldestStartedAt)),
    g.earliestExpiresAt ? minutesCell(Date.parse(g.earliestExpiresAt) - now) : '-',
    g.approverGroups.length ? g.approverGroups.join(',') : 'anyone',
    g.sample.id,
  ]);
  return formatTable(header, lines);
}
