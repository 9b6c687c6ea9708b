/**
 * The queue grouped by batch, tool and rule, from visibility. The dev server's visibility counts GROUP BY
 * ExecutionStatus only ("'group by' clause is only supported for ExecutionStatus"), so the pending escalations are
 * listed in pages of 1,000 (IDs, start times and search attributes only) and grouped here; each group's sample (its
 * oldest escalation) is then asked for its approver groups and expiry with one `status` query.
 */
import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import pLimit from 'p-limit';
import { DEFAULT_MAX_GRANT_MS } from '../policy/types';
import { pendingEscalationsQuery, type PendingQueryFilters } from '../approvals/escalation-query';
import { guardBatchIdKey, guardRulesKey, guardToolKey, statusQuery, type RuleHit } from '../workflows/definitions';
import { ApiError } from './errors';

/** What the queue can be grouped by. */
export type GroupKey = 'batch' | 'tool' | 'rule';
export const GROUP_KEYS: readonly GroupKey[] = ['batch', 'tool', 'rule'];

/** One group of pending escalations. */
export interface EscalationGroup {
  /** The group's values, one per `by` key (absent: escalations without a batch). */
  key: Partial<Record<GroupKey, string>>;
  count: number;
  /** ISO-8601 start of the oldest. */
  oldestStartedAt: string;
  /** ISO-8601 expiry of the oldest (escalations of one tool and rule share their timeout unless a caller set one). */
  earliestExpiresAt?: string;
  /** Approver groups of the sample; empty = any approver. */
  approverGroups: string[];
  /** The longest standing grant the sample's rule allows (its `maxGrant`, default 24 h); absent when unknown. */
  maxGrantMs?: number;
  sample: { id: string; runId: string; tool: string; startedAt: string; reason?: string; rules: RuleHit[] };
}

export interface GroupsOptions extends PendingQueryFilters {
  by: GroupKey[];
  pageSize: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
  /** Most escalations read; beyond it the answer says `truncated`. @default 100000 */
  maxScanned?: number;
}

export interface GroupsPage {
  by: GroupKey[];
  groups: EscalationGroup[];
  /** Pending escalations read (all of them unless `truncated`). */
  total: number;
  truncated: boolean;
  nextPageToken?: string;
}

const LIST_PAGE = 1000;

interface Row {
  id: string;
  runId: string;
  tool: string;
  startedAt: string;
  batch?: string;
  rules: RuleHit[];
  reason?: string;
}

/** The rule an escalation waits on: its enforced escalate hits (any other hits when there are none). */
function ruleOf(row: Row, listed: string[]): string {
  const escalating = row.rules.filter((r) => r.action === 'escalate' && r.mode === 'enforce').map((r) => r.id);
  const ids = escalating.length > 0 ? escalating : listed;
  return ids.length > 0 ? [...ids].sort().join('+') : '(none)';
}

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(token);
  if (!/^[0-9]{1,7}$/.test(token) || !Number.isSafeInteger(offset)) {
    throw new ApiError(
      'GUARD_INVALID_REQUEST',
      `pageToken=${token} is not a groups page token: pass nextPageToken back unchanged`,
    );
  }
  return offset;
}

/** Pending escalations grouped by `by` (in that order), largest groups first, paged. */
export async function groupEscalations(client: Client, options: GroupsOptions): Promise<GroupsPage> {
  const offset = offsetOf(options.pageToken);
  const maxScanned = options.maxScanned ?? 100_000;
  const query = pendingEscalationsQuery(options);
  const groups = new Map<string, { key: EscalationGroup['key']; count: number; oldest: Row }>();
  let total = 0;
  let truncated = false;
  let token: Uint8Array | undefined;
  do {
    const response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: LIST_PAGE,
      ...(token ? { nextPageToken: token } : {}),
    });
    for (const raw of response.executions ?? []) {
      const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace);
      const memo = (info.memo ?? {}) as { reason?: string; rules?: RuleHit[] };
      const batch = info.typedSearchAttributes.get(guardBatchIdKey);
      const row: Row = {
        id: info.workflowId,
        runId: info.runId,
        tool: info.typedSearchAttributes.get(guardToolKey) ?? '(unknown)',
        startedAt: info.startTime.toISOString(),
        ...(batch ? { batch } : {}),
        rules: Array.isArray(memo.rules) ? memo.rules : [],
        ...(typeof memo.reason === 'string' && memo.reason ? { reason: memo.reason } : {}),
      };
      const key: EscalationGroup['key'] = {};
      for (const by of options.by) {
        if (by === 'batch' && row.batch) key.batch = row.batch;
        if (by === 'tool') key.tool = row.tool;
        if (by === 'rule') key.rule = ruleOf(row, info.typedSearchAttributes.get(guardRulesKey) ?? []);
      }
      const id = JSON.stringify(options.by.map((by) => key[by] ?? null));
      const group = groups.get(id);
      if (!group) groups.set(id, { key, count: 1, oldest: row });
      else {
        group.count++;
        if (row.startedAt < group.oldest.startedAt) group.oldest = row;
      }
      total++;
    }
    token = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
    if (token && total >= maxScanned) truncated = true;
  } while (token && !truncated);

  const sorted = [...groups.values()].sort(
    (a, b) => b.count - a.count || a.oldest.startedAt.localeCompare(b.oldest.startedAt),
  );
  const page = sorted.slice(offset, offset + options.pageSize);
  const limit = pLimit(8);
  const shown = await Promise.all(
    page.map((group) =>
      limit(async (): Promise<EscalationGroup> => {
        const status = await client.workflow
          .getHandle(group.oldest.id)
          .query(statusQuery)
          .catch(() => undefined);
        const { oldest } = group;
        return {
          key: group.key,
          count: group.count,
          oldestStartedAt: oldest.startedAt,
          ...(status?.expiresAt ? { earliestExpiresAt: status.expiresAt } : {}),
          approverGroups: status?.approverGroups ?? [],
          ...(status ? { maxGrantMs: status.decision?.escalation?.maxGrantMs ?? DEFAULT_MAX_GRANT_MS } : {}),
          sample: {
            id: oldest.id,
            runId: oldest.runId,
            tool: oldest.tool,
            startedAt: oldest.startedAt,
            ...(oldest.reason ? { reason: oldest.reason } : {}),
            rules: oldest.rules,
          },
        };
      }),
    ),
  );
  const next = offset + options.pageSize;
  return {
    by: options.by,
    groups: shown,
    total,
    truncated,
    ...(next < sorted.length ? { nextPageToken: String(next) } : {}),
  };
}

/** `by=batch,tool` as keys. @throws ApiError naming the unknown key */
export function parseGroupBy(text: string | undefined): GroupKey[] {
  const keys = (text ?? 'batch,tool,rule').split(',').map((k) => k.trim());
  const unknown = keys.find((k) => !GROUP_KEYS.includes(k as GroupKey));
  if (unknown !== undefined) {
    throw new ApiError('GUARD_INVALID_REQUEST', `by=${text}: '${unknown}' is not a group key (use batch, tool, rule)`);
  }
  if (new Set(keys).size !== keys.length) {
    throw new ApiError('GUARD_INVALID_REQUEST', `by=${text}: each key at most once`);
  }
  return keys as GroupKey[];
}
