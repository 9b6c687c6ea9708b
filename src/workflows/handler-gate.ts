/**
 * Wake conditions of a wait that a message handler ends (an approval window, a standing grant's life) that hold
 * only once every message handler has finished (patch `handlers-before-wake`).
 *
 * A `decide` update decides the call in its handler's first step; the wait's condition is checked right after that
 * step, and the workflow then cancels the window's timer in the same microtask queue as the handler's completion.
 * Which command comes first depends on how many yield points lie between the handler and its completion, and a
 * workflow interceptor adds some (the OpenTelemetry ones do): a history recorded with tracing on would not replay
 * with it off, nor the other way round. Waiting for the handlers makes the update's completion come first always.
 */
import { allHandlersFinished } from '@temporalio/workflow';

/** The wake condition `wake`, gated on every handler having finished when `gated` (the patch is on). */
export function afterHandlers(wake: () => boolean, gated: boolean): () => boolean {
  return gated ? () => wake() && allHandlersFinished() : wake;
}
