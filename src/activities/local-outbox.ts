/**
 * Where `durable-guard start` sends notifications for channels that have no webhook: kept in memory for the
 * inbox to show, so a newcomer sees what would have been sent without configuring anything.
 */
import type { EscalationEvent } from './notify';

/** One notification kept instead of sent. */
export interface OutboxEntry {
  channel: string;
  /** ISO-8601 time it was recorded. */
  at: string;
  event: Omit<EscalationEvent, 'links'>;
}

/** A bounded, newest-first list of notifications that had nowhere to go. */
export class LocalOutbox {
  private readonly entries: OutboxEntry[] = [];

  /** @param capacity entries kept; the oldest go first. @default 200 */
  constructor(private readonly capacity = 200) {}

  record(channel: string, event: Omit<EscalationEvent, 'links'>, now = new Date()): void {
    this.entries.unshift({ channel, at: now.toISOString(), event });
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
  }

  /** Newest first. */
  list(limit = this.capacity): OutboxEntry[] {
    return this.entries.slice(0, limit);
  }
}
