/** Tool implementations the worker can run for execute-mode calls. */
import type { CallContext } from '../policy/types';

/** What a tool gets besides its input: the key that makes its side effect happen once. */
export interface ToolContext {
  /** Stable across retries and re-submissions: derived from the guarded call's workflow ID. */
  idempotencyKey: string;
  /** The guarded call's workflow ID. */
  callId: string;
  context?: CallContext;
}

/** A tool the guard runs after allow/modify. Throw to fail (retried); return a JSON-serialisable result. */
export type ToolImplementation = (input: Record<string, unknown>, ctx: ToolContext) => Promise<unknown> | unknown;

/** Tools by name. */
export type ToolRegistry = Readonly<Record<string, ToolImplementation>>;
