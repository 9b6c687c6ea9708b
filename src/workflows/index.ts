/** Workflow entry points bundled by the worker: deterministic code only. */
export { guardBatch } from './guard-batch';
export { guardedCall } from './guarded-call';
export { notifyEscalation } from './notify-escalation';
export { bulkDecision } from './bulk-decision';
export { standingGrant } from './standing-grant';
