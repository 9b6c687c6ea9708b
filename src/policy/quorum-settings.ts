/**
 * The quorum of an escalating rule (`escalation.approvals`): how it compiles, and how the
 * quorums of several escalating rules combine. Pure and import-free (the workflow bundle uses `needsQuorum`); the
 * schema is in quorum-schema.ts, the counting of votes in src/workflows/quorum.ts.
 */
import type { ApprovalsSpec } from './quorum-schema';
import type { EscalationSettings, QuorumSettings } from './types';

/**
 * Compiles `approvals`; its `allOf` groups join the rule's approver groups (a member of any of them may decide).
 * @returns the settings to merge into the rule's escalation settings
 */
export function compileApprovals(
  spec: ApprovalsSpec | undefined,
  approverGroups: string[] | undefined,
): Pick<EscalationSettings, 'approvals' | 'approverGroups'> {
  if (!spec) return approverGroups ? { approverGroups } : {};
  const allOf = spec.allOf ? [...new Set(spec.allOf)] : undefined;
  const approvals: QuorumSettings = {
    count: Math.max(spec.count ?? 1, allOf?.length ?? 0),
    ...(allOf ? { allOf } : {}),
    ...(spec.denyCount !== undefined ? { denyCount: spec.denyCount } : {}),
  };
  const groups = allOf ? [...new Set([...(approverGroups ?? []), ...allOf])] : approverGroups;
  return { approvals, ...(groups ? { approverGroups: groups } : {}) };
}

/**
 * Several escalating rules: the strictest quorum of them (the most approvers, every `allOf` group, the fewest
 * denials that deny). Undefined when no rule has one.
 */
export function mergeApprovals(list: (QuorumSettings | undefined)[]): QuorumSettings | undefined {
  const given = list.filter((q): q is QuorumSettings => q !== undefined);
  if (given.length === 0) return undefined;
  const allOf = [...new Set(given.flatMap((q) => q.allOf ?? []))];
  const denials = given.flatMap((q) => (q.denyCount === undefined ? [] : [q.denyCount]));
  return {
    count: Math.max(allOf.length, ...given.map((q) => q.count)),
    ...(allOf.length ? { allOf } : {}),
    // A rule without denyCount (or without a quorum) denies on one denial: it wins over any rule that asks for more.
    ...(denials.length === list.length ? { denyCount: Math.min(...denials) } : {}),
  };
}

/** Whether a quorum asks for more than the one approval (or one denial) that decides without it. */
export function needsQuorum(settings: QuorumSettings | undefined): settings is QuorumSettings {
  return (
    settings !== undefined && (settings.count > 1 || (settings.allOf?.length ?? 0) > 0 || (settings.denyCount ?? 1) > 1)
  );
}

/** One line for `policy check`: what a quorum asks for. */
export function describeQuorum(settings: QuorumSettings): string {
  const groups = settings.allOf?.length ? `, one from each of ${settings.allOf.join(', ')}` : '';
  const denials = settings.denyCount ?? 1;
  return (
    `${settings.count} distinct approver${settings.count === 1 ? '' : 's'}${groups}; ` +
    `${denials === 1 ? 'any single denial denies' : `${denials} distinct denials deny`}; the requester never approves`
  );
}
