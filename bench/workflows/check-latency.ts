/**
 * The workflows of the check-latency bench's worker: the guarded call, and a trivial workflow as the bare-Temporal
 * floor of a start-and-result (no activity, no search attributes: it returns its input).
 */
export { guardedCall } from '../../src/workflows/guarded-call';

/** Returns what it was given: one workflow task, nothing else. */
export async function bareCall(input: { tool: string }): Promise<{ action: 'allow'; tool: string }> {
  return { action: 'allow', tool: input.tool };
}
