/**
 * `patched()` asked once, in a call's first activation, for every change made since the released version.
 *
 * A patch asked after the policy's local activity is not safe: when the activity's result reaches the workflow only
 * in the next workflow task (seen when a status query arrives during the first task), replay hands it over in the
 * first one, before Temporal's core has announced the patch markers of the next task, so `patched()` answers false
 * there and the replay fails on the recorded marker ("Non-deprecated patch marker encountered ... but there is no
 * corresponding change command"). A marker recorded in the first task is announced before any workflow code runs.
 *
 * The changes come in generations, each with its own marker and the patches it turns on (with those of every
 * generation before it). A call started now records the newest generation's marker alone; a call recorded under
 * an older generation replays with that one's patches; a call recorded before any generation asks each patch
 * where it was asked. A new change of guardedCall adds its patch to a new generation at the end of the list.
 */
import { patched } from '@temporalio/workflow';
import {
  BACKTEST_MEMO_PATCH,
  BATCH_REPORT_GATED_PATCH,
  CALL_CHANGES_2_PATCH,
  CALL_CHANGES_3_PATCH,
  CALL_CHANGES_4_PATCH,
  CALL_CHANGES_5_PATCH,
  CALL_CHANGES_6_PATCH,
  CALL_CHANGES_7_PATCH,
  CALL_CHANGES_PATCH,
  ESCALATION_LADDER_PATCH,
  GRANT_LOOKUP_LOCAL_PATCH,
  HANDLERS_BEFORE_WAKE_PATCH,
  HOSTILE_INPUT_PATCH,
  QUORUM_PATCH,
  RECEIPT_ANSWER_PATCH,
  RECEIPT_PATCH,
  SCHEMA_FINGERPRINT_PATCH,
  SHADOW_DECISION_PATCH,
  STANDING_GRANTS_PATCH,
  UNDELIVERABLE_CHANNELS_PATCH,
} from './patches';

/** Oldest first: each generation's marker and the patches it adds. */
const GENERATIONS: { marker: string; adds: string[] }[] = [
  {
    marker: CALL_CHANGES_PATCH,
    adds: [
      HOSTILE_INPUT_PATCH,
      BATCH_REPORT_GATED_PATCH,
      SCHEMA_FINGERPRINT_PATCH,
      ESCALATION_LADDER_PATCH,
      QUORUM_PATCH,
      RECEIPT_ANSWER_PATCH,
      RECEIPT_PATCH,
      STANDING_GRANTS_PATCH,
    ],
  },
  { marker: CALL_CHANGES_2_PATCH, adds: [GRANT_LOOKUP_LOCAL_PATCH] },
  { marker: CALL_CHANGES_3_PATCH, adds: [RECEIPT_ANSWER_PATCH] },
  { marker: CALL_CHANGES_4_PATCH, adds: [SHADOW_DECISION_PATCH] },
  { marker: CALL_CHANGES_5_PATCH, adds: [HANDLERS_BEFORE_WAKE_PATCH] },
  { marker: CALL_CHANGES_6_PATCH, adds: [UNDELIVERABLE_CHANNELS_PATCH] },
  { marker: CALL_CHANGES_7_PATCH, adds: [BACKTEST_MEMO_PATCH] },
];

/** The marker a call started now records at start: the newest generation's. */
export const CURRENT_CHANGES_MARKER = GENERATIONS[GENERATIONS.length - 1]!.marker;

/**
 * Whether this execution takes a changed path. `atStartOnly`: only if its generation at start includes the patch,
 * never asking `patched()` itself (for a change that may only be asked after the first await).
 */
export type UsePatch = (patchId: string, options?: { atStartOnly?: boolean }) => boolean;

/** To be called before the workflow's first `await`: finds the execution's generation, newest first. */
export function patchesAtStart(): UsePatch {
  let index = GENERATIONS.length - 1;
  while (index >= 0 && !patched(GENERATIONS[index]!.marker)) index -= 1;
  const included = new Set(GENERATIONS.slice(0, index + 1).flatMap((generation) => generation.adds));
  return (patchId, options) => included.has(patchId) || (options?.atStartOnly !== true && patched(patchId));
}
