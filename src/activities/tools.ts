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

/** A tool with options. */
export interface ToolDefinition {
  run: ToolImplementation;
  /**
   * Run as a local activity, in the workflow task that decided the call: about half the server work of a regular
   * activity, for tools that finish in well under a few seconds (no heartbeats; a crash mid-run retries the tool
   * with the same idempotency key once the workflow task times out). @default false
   */
  local?: boolean;
}

/** Tools by name: a function (a regular activity) or a {@link ToolDefinition}. */
export type ToolRegistry = Readonly<Record<string, ToolImplementation | ToolDefinition>>;

/** The function that runs a registered tool. */
export function toolImplementation(entry: ToolImplementation | ToolDefinition): ToolImplementation {
  return typeof entry === 'function' ? entry : entry.run;
}

/** Whether a registered tool runs as a local activity. */
export function runsLocally(entry: ToolImplementation | ToolDefinition | undefined): boolean {
  return typeof entry === 'object' && entry.local === true;
}

/** What is wrong with a tool registry (first problem), or undefined when every entry is usable. */
export function toolRegistryProblem(tools: unknown): string | undefined {
  if (tools === null || typeof tools !== 'object' || Array.isArray(tools)) {
    return 'tools must be an object of tools by name';
  }
  for (const [name, entry] of Object.entries(tools)) {
    if (typeof entry === 'function') continue;
    if (entry === null || typeof entry !== 'object' || typeof (entry as ToolDefinition).run !== 'function') {
      return `tool '${name}' must be a function or { run: function, local?: boolean }`;
    }
    const local = (entry as ToolDefinition).local;
    if (local !== undefined && typeof local !== 'boolean') {
      return `tool '${name}': local must be true or false, got ${JSON.stringify(local)}`;
    }
  }
  return undefined;
}
