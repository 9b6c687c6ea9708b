/**
 * The approver groups of escalations, read once per escalation. A rule's groups change while an escalation waits
 * only at its ladder's steps (a route adds groups, an onTimeout escalate moves to others), so they are kept until the
 * ladder's next step, and for good without a ladder: a burst of decisions on one escalation costs one `status`
 * query, not one each (a hundred concurrent queries would queue behind the workflow's own tasks and time out).
 */
import type { Client } from '@temporalio/client';
import type { CallStatus } from '../workflows/definitions';
import { escalationStatus } from './escalations';

const MAX_ENTRIES = 10_000;

export class ApproverGroupsCache {
  private readonly known = new Map<string, { groups: string[]; untilMs: number }>();
  private readonly inFlight = new Map<string, Promise<CallStatus>>();

  constructor(
    private readonly client: Client,
    private readonly now: () => number = Date.now,
  ) {}

  /** The escalation's approver groups; throws as {@link escalationStatus} does (404 for an unknown ID). */
  async groupsOf(id: string): Promise<string[]> {
    const cached = this.known.get(id);
    if (cached && this.now() < cached.untilMs) return cached.groups;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = escalationStatus(this.client, id).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const status = await pending;
    const groups = status.approverGroups ?? [];
    // Only once the policy has decided are the groups final.
    const next = status.ladder?.next;
    if (status.decision) this.remember(id, groups, next ? Date.parse(next.at) : Infinity);
    return groups;
  }

  private remember(id: string, groups: string[], untilMs: number): void {
    this.known.delete(id);
    if (this.known.size >= MAX_ENTRIES) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(id, { groups, untilMs });
  }
}
