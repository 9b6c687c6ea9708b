/** The notifications of one escalation: each delivery an abandoned child, started and awaited once at the end. */
import { log, startChild } from '@temporalio/workflow';
import type { NotifyChannelInput } from '../activities/create-activities';
import { notifyEscalation } from './notify-escalation';

export class EscalationNotifications {
  private readonly starts: Promise<unknown>[] = [];
  private readonly skipped = new Set<string>();

  constructor(private readonly escalationId: string) {}

  /** Channels the worker can deliver nowhere (patch `skip-undeliverable-channels`): no child is started for them. */
  skip(channels: readonly string[]): void {
    for (const channel of channels) this.skipped.add(channel);
  }

  /** Notifies every channel of an event. A failing webhook never blocks, delays or loses the escalation. */
  send(event: NotifyChannelInput['event'], channels: string[]): void {
    for (const channel of channels) {
      if (this.skipped.has(channel)) continue;
      this.starts.push(
        startChild(notifyEscalation, {
          workflowId: `${this.escalationId}:notify:${event.type}${event.step === undefined ? '' : `:${event.step}`}:${channel}`,
          args: [{ channel, event }],
          parentClosePolicy: 'ABANDON',
        }).catch((err: unknown) =>
          log.warn('could not start notification', { channel, error: (err as Error).message }),
        ),
      );
    }
  }

  /** The children's starts so far, to await with the call's last step. */
  started(): Promise<unknown>[] {
    return this.starts;
  }
}
