/**
 * The votes of a call that needs several approvers (a rule's `escalation.approvals`), and who may never approve a
 * call (its requester). Pure and deterministic, testable without a server like {@link CallState}, which owns one.
 * Each approver counts once; an approval cannot edit the input (the others approve the input as it is); any single
 * denial denies unless the rule sets `denyCount`.
 */
import type { CallContext, QuorumSettings } from '../policy/types';
import type { DecideInput, QuorumProgress, QuorumVote } from './definitions';
import { guardMessage, type GuardErrorCode } from './error-codes';

/** How a quorum stands after a vote. */
export type QuorumOutcome = 'pending' | 'approved' | 'denied';

interface Refusal {
  code: GuardErrorCode;
  message: string;
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Who asked for the call: `context.caller` and `context.agent`, when they are names. */
export function requestersOf(context: CallContext | undefined): string[] {
  return [context?.caller, context?.agent].filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

/** The refusal of an approval by one of the call's requesters (names compared without case), if it is one. */
export function selfApprovalRefusal(
  escalationId: string,
  input: Pick<DecideInput, 'by' | 'decision'>,
  requesters: readonly string[],
): Refusal | undefined {
  if (input.decision !== 'approve' || !requesters.some((r) => sameName(r, input.by))) return undefined;
  return { code: 'GUARD_SELF_APPROVAL', message: guardMessage('GUARD_SELF_APPROVAL', escalationId, input.by) };
}

/**
 * The `allOf` groups left uncovered when each approver may cover one group only: a maximum matching of approvers
 * to groups (augmenting paths; at most ten of each).
 */
export function uncoveredGroups(allOf: readonly string[], approvals: readonly QuorumVote[]): string[] {
  const holder = new Map<string, number>();
  const assign = (index: number, seen: Set<string>): boolean => {
    for (const group of allOf) {
      if (seen.has(group) || !approvals[index]?.groups.includes(group)) continue;
      seen.add(group);
      const current = holder.get(group);
      if (current === undefined || assign(current, seen)) {
        holder.set(group, index);
        return true;
      }
    }
    return false;
  };
  approvals.forEach((_, index) => assign(index, new Set()));
  return allOf.filter((group) => !holder.has(group));
}

export class Quorum {
  private readonly approvals: QuorumVote[] = [];
  private readonly denials: QuorumVote[] = [];

  constructor(
    readonly escalationId: string,
    readonly settings: QuorumSettings,
  ) {}

  private voteOf(by: string): { decision: 'approve' | 'deny'; vote: QuorumVote } | undefined {
    const approval = this.approvals.find((v) => sameName(v.by, by));
    if (approval) return { decision: 'approve', vote: approval };
    const denial = this.denials.find((v) => sameName(v.by, by));
    return denial && { decision: 'deny', vote: denial };
  }

  /**
   * Why this vote is not counted, or undefined: an edit, or a second vote of the same approver (an approver who
   * approved may still deny: that withdraws the approval). Asked by the update's validator and again by the
   * handler, so two decisions racing in one workflow task never count one approver twice.
   */
  refusal(input: DecideInput): Refusal | undefined {
    const id = this.escalationId;
    if (input.decision === 'approve' && input.modifiedInput !== undefined) {
      return {
        code: 'GUARD_QUORUM_EDIT_REFUSED',
        message: guardMessage('GUARD_QUORUM_EDIT_REFUSED', id, this.settings.count),
      };
    }
    const earlier = this.voteOf(input.by);
    if (!earlier || (earlier.decision === 'approve' && input.decision === 'deny')) return undefined;
    const vote = { decision: earlier.decision, at: earlier.vote.at };
    return { code: 'GUARD_ALREADY_VOTED', message: guardMessage('GUARD_ALREADY_VOTED', id, input.by, vote) };
  }

  /** Counts a vote the caller checked with {@link refusal}; returns how the quorum stands. */
  record(input: DecideInput, at: string): QuorumOutcome {
    const vote: QuorumVote = {
      by: input.by,
      groups: [...(input.groups ?? [])],
      at,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    };
    if (input.decision === 'deny') {
      const withdrawn = this.approvals.findIndex((v) => sameName(v.by, input.by));
      if (withdrawn >= 0) this.approvals.splice(withdrawn, 1);
      this.denials.push(vote);
    } else {
      this.approvals.push(vote);
    }
    return this.outcome();
  }

  outcome(): QuorumOutcome {
    if (this.denials.length >= (this.settings.denyCount ?? 1)) return 'denied';
    return this.progress().remaining === 0 ? 'approved' : 'pending';
  }

  progress(): QuorumProgress {
    const allOf = this.settings.allOf ?? [];
    const missingGroups = uncoveredGroups(allOf, this.approvals);
    return {
      required: this.settings.count,
      allOf: [...allOf],
      denyCount: this.settings.denyCount ?? 1,
      approvals: this.approvals.map((v) => ({ ...v, groups: [...v.groups] })),
      denials: this.denials.map((v) => ({ ...v, groups: [...v.groups] })),
      remaining: Math.max(this.settings.count - this.approvals.length, missingGroups.length),
      missingGroups,
    };
  }

  /** Who approved, for reasons: `alice, bob`. */
  approvers(): string {
    return this.approvals.map((v) => v.by).join(', ');
  }

  /** One line for the Web UI and partial answers: `1 of 2 approvals (alice); still needed: 1, from legal`. */
  summary(): string {
    const p = this.progress();
    const names = p.approvals.length ? ` (${this.approvers()})` : '';
    const groups = p.missingGroups.length ? `, from ${p.missingGroups.join(', ')}` : '';
    const denials = p.denials.length ? `; ${p.denials.length} of ${p.denyCount} denials` : '';
    return `${p.approvals.length} of ${p.required} approvals${names}; still needed: ${p.remaining}${groups}${denials}`;
  }
}
