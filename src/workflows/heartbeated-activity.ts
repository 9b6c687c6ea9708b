/** Options shared by the long, heartbeating activities of bulk decisions and standing grants. */
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * The activity heartbeats every 2 s: a crashed worker's task is taken up by another within 20 s, from its heartbeat;
 * retried without end, backing off to 30 s. Each adds its own `startToCloseTimeout`.
 */
export const HEARTBEATED_ACTIVITY = {
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
} as const satisfies Omit<ActivityOptions, 'startToCloseTimeout'>;
