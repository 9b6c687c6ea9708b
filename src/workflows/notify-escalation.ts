import { log, proxyActivities } from '@temporalio/workflow';
import type { GuardActivities, NotifyChannelInput } from '../activities/create-activities';

const { notifyChannel } = proxyActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 8, initialInterval: '2 seconds', maximumInterval: '5 minutes' },
});

/**
 * Delivers one escalation notification with retries, as a child the guarded call abandons: a slow or failing
 * webhook never delays the call's result, and the delivery goes on after the call has ended.
 */
export async function notifyEscalation(input: NotifyChannelInput): Promise<boolean> {
  try {
    // Activities recorded before the outcome existed return nothing: they delivered.
    const outcome = (await notifyChannel(input)) as { delivered: boolean } | undefined;
    return outcome?.delivered ?? true;
  } catch (err) {
    log.warn('notification failed for good', { channel: input.channel, error: (err as Error).message });
    return false;
  }
}
