/** Workflow entry point bundled by the worker: deterministic code only. */
export { guardedCall } from './guarded-call';
