/** Pure checks of call and approval payloads, shared by workflows and clients (no I/O, deterministic). */
import type { ApproveInput, DecideInput, GuardedCallInput } from './definitions';

const TOOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:\-/]{0,127}$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns what is wrong with a guarded call, or undefined when it is well formed. */
export function callProblem(call: unknown): string | undefined {
  if (!isPlainObject(call)) return 'the call must be an object {tool, input}';
  const { tool, input, context, escalationTimeoutMs } = call as Partial<GuardedCallInput>;
  if (typeof tool !== 'string' || !TOOL_NAME.test(tool)) {
    return `tool must be a name of 1-128 letters, digits and _ . : - / (got ${JSON.stringify(tool)})`;
  }
  if (!isPlainObject(input)) {
    return `input of tool '${tool}' must be a JSON object (got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input})`;
  }
  if (context !== undefined && !isPlainObject(context)) return 'context must be an object when given';
  if (escalationTimeoutMs !== undefined && !(Number.isFinite(escalationTimeoutMs) && escalationTimeoutMs > 0)) {
    return `escalationTimeoutMs must be a positive number of milliseconds (got ${JSON.stringify(escalationTimeoutMs)})`;
  }
  return undefined;
}

/** Returns what is wrong with an approve/deny payload, or undefined when it is well formed. */
export function approvalProblem(payload: unknown, needsDecision = false): string | undefined {
  if (!isPlainObject(payload)) return 'the payload must be an object {by, reason?, modifiedInput?}';
  const { by, reason, modifiedInput, groups } = payload as Partial<ApproveInput>;
  if (needsDecision) {
    const { decision } = payload as Partial<DecideInput>;
    if (decision !== 'approve' && decision !== 'deny') {
      return `decision must be 'approve' or 'deny' (got ${JSON.stringify(decision)})`;
    }
  }
  if (typeof by !== 'string' || by.trim() === '') return "'by' must name the approver (a non-empty string)";
  if (reason !== undefined && typeof reason !== 'string') return "'reason' must be a string when given";
  if (modifiedInput !== undefined && !isPlainObject(modifiedInput)) {
    return "'modifiedInput' must be a JSON object when given";
  }
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    return "'groups' must be a list of strings when given";
  }
  return undefined;
}

/** Formats a duration in milliseconds the way people write it: 2s, 5m, 72h, 1h30m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let rest = Math.round(ms / 1000) * 1000;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
