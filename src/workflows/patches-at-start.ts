/**
 * `patched()` asked once, in a call's first activation, for every change made since the released version.
 *
 * A patch asked after the policy's local activity is not safe: when the activity's result reaches the workflow only
 * in the next workflow task (seen when a status query arrives during the first task), replay hands it over in the
 * first one, before Temporal's core has announced the patch markers of the next task, so `patched()` answers false
 * there and the replay fails on the recorded marker ("Non-deprecated patch marker encountered ... but there is no
 * corresponding change command"). A marker recorded in the first task is announced before any workflow code runs.
 *
 * Executions started since record one marker, CALL_CHANGES_PATCH, at start, and take every newer path. Executions
 * recorded before it replay as they ran: the answer falls back to `patched(id)` asked where they asked it.
 */
import { patched } from '@temporalio/workflow';
import { CALL_CHANGES_PATCH } from './patches';

/** Whether this execution takes a changed path: asks the patch at start once, then each patch where it is used. */
export type UsePatch = (patchId: string) => boolean;

/** To be called before the workflow's first `await`. */
export function patchesAtStart(): UsePatch {
  const atStart = patched(CALL_CHANGES_PATCH);
  return (patchId) => atStart || patched(patchId);
}
