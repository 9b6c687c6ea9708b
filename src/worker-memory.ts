/** Memory bounds of a worker process: the workflow thread's V8 heap, and a workflow cache that fits in it. */
import v8 from 'node:v8';

/** Old-space limit of the workflow thread, in MB. */
export const DEFAULT_WORKFLOW_HEAP_MB = 256;
/** The smallest limit accepted: below it the bundle and a few cached workflows do not fit. */
export const MIN_WORKFLOW_HEAP_MB = 64;
/** Workflows kept between tasks: more than a batch's default concurrency (50) and the worker's task slots (40). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/**
 * Caps the V8 old space of isolates created from now on, among them the SDK's workflow thread, which
 * `Worker.create` starts. Without a cap, the workflow thread takes Node's default limit (about 4 GB here) and
 * lets garbage grow: a worker with 2,000 waiting escalations reached 550-600 MB RSS while its main thread held
 * 70 MB. The main thread's own limit is fixed at start and is not changed. The setting is process-wide, so it
 * belongs to worker processes (`durable-guard worker`, `start`), not to code that embeds `createWorker`.
 */
export function limitWorkflowHeap(mb: number = DEFAULT_WORKFLOW_HEAP_MB): void {
  if (!Number.isInteger(mb) || mb < MIN_WORKFLOW_HEAP_MB)
    throw new RangeError(`workflow heap must be a whole number of MB >= ${MIN_WORKFLOW_HEAP_MB}, got ${mb}`);
  v8.setFlagsFromString(`--max-old-space-size=${mb}`);
}
