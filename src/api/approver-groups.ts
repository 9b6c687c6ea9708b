/**
 * The approver groups of escalations, read once per escalation. A rule's groups never change while an
 * escalation waits, so a burst of decisions on one escalation costs one `status` query, not one each: a
 * hundred concurrent queries would queue behind the workflow's own tasks and time out.
 */
import type { Client } from '@temporalio/client';
import type { CallStatus } from '../workflows/definitions';
import { escalationStatus } from './escalations';

const MAX_ENTRIES = 10_000;

export class ApproverGroupsCache {
  private readonly known = new Map<string, string[]>();
  private readonly inFlight = new Map<string, Promise<CallStatus>>();

  constructor(private readonly client: Client) {}

  /** The escalation's approver groups; throws as {@link escalationStatus} does (404 for an unknown ID). */
  async groupsOf(id: string): Promise<string[]> {
    const cached = this.known.get(id);
    if (cached) return cached;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = escalationStatus(this.client, id).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const status = await pending;
    const groups = status.approverGroups ?? [];
    // Only once the policy has decided are the groups final.
    if (status.decision) this.remember(id, groups);
    return groups;
  }

  private remember(id: string, groups: string[]): void {
    if (this.known.size >= MAX_ENTRIES) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(id, groups);
  }
}
