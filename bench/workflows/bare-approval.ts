/**
 * The workflow of the bulk bench's bare-Temporal floor: one waiting approval written directly on the SDK. It shows
 * itself pending (one search attribute, so the bench can count the pending ones as it counts escalations), waits
 * for one `decide` update and returns who decided: no policy, no timer, no tool, no memo, no batch parent.
 */
import { condition, defineUpdate, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { guardStatusKey } from '../../src/workflows/definitions';

export const bareDecideUpdate = defineUpdate<string, [{ by: string }]>('decide');

/** Waits for one `decide` update, then completes with the approver's ID. */
export async function bareApproval(): Promise<string> {
  let decidedBy: string | undefined;
  setHandler(bareDecideUpdate, ({ by }) => {
    decidedBy = by;
    return by;
  });
  upsertSearchAttributes([{ key: guardStatusKey, value: 'pending-approval' }]);
  await condition(() => decidedBy !== undefined);
  return decidedBy as string;
}
