/** The activities of a guarded call, proxied once: the policy decision and the tool run. */
import { type ActivityOptions, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type {
  DecideActivityInput,
  DecideOutcome,
  GuardActivities,
  RunToolInput,
} from '../activities/create-activities';
import type { GuardedCallInput } from './definitions';

// Both activities heartbeat while they work: a crashed worker's task is retried after 10 s, not the full timeout.
const decideOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 10, maximumInterval: '30 seconds' },
};
const { decide } = proxyActivities<GuardActivities>(decideOptions);

const { decideLocal } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, maximumInterval: '5 seconds' },
});

/**
 * Static rules decide in a local activity (no extra round trip); network rules (LLM judge, remote guard) in a
 * regular one, shown in the Web UI with `summary`.
 */
/**
 * The call's own tool schema for the decision, only when it has one: calls without one schedule the same activity
 * input as before (no command changes, so no patch).
 */
export function schemaOf(call: GuardedCallInput): { toolSchema?: Record<string, unknown> } {
  return call.toolSchema !== undefined ? { toolSchema: call.toolSchema } : {};
}

export async function decidePolicy(input: DecideActivityInput, summary: string): Promise<DecideOutcome> {
  const local = await decideLocal(input);
  return 'deferred' in local ? decide.executeWithOptions({ ...decideOptions, summary }, [input]) : local;
}

const toolRetry = { maximumAttempts: 5, maximumInterval: '1 minute' } as const;
const runToolOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: toolRetry,
};
const { runTool } = proxyActivities<GuardActivities>(runToolOptions);
// A tool registered with `local: true`: no heartbeats, so a crashed worker's run is retried once the workflow
// task times out; retries with longer backoff than localRetryThreshold wait on a durable timer.
const { runToolLocal } = proxyLocalActivities<GuardActivities>({ startToCloseTimeout: '1 minute', retry: toolRetry });

/** Runs the tool: in this workflow task for a local tool, as an activity (shown as `run <tool>`) otherwise. */
export function runGuardedTool(input: RunToolInput, locally: boolean): Promise<unknown> {
  return locally
    ? runToolLocal(input)
    : runTool.executeWithOptions({ ...runToolOptions, summary: `run ${input.tool}` }, [input]);
}

// Signing needs the worker's private key, so it is an activity; a local one: no extra round trip.
const { signReceipt } = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, maximumInterval: '5 seconds' },
});

export { signReceipt };
