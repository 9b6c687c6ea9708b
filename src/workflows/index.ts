/** Workflow entry point bundled by the worker: deterministic code only. */
export { guardedCall } from './guarded-call';
export { notifyEscalation } from './notify-escalation';
