/** What a batch item's guarded call is given besides the item itself (deterministic). */
import type { BatchItem, CallContext } from './definitions';

/** The item's context with the batch's ID and the caller's own callId, as its guarded call carries it. */
export function itemContext(item: BatchItem, batchId: string): CallContext {
  return { ...item.context, batch: batchId, ...(item.callId ? { callId: item.callId } : {}) };
}
