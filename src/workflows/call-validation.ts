/** Pure checks of call and approval payloads, shared by workflows and clients (no I/O, deterministic). */
import type { ApproveInput, DecideInput, GuardedCallInput } from './definitions';
import { INPUT_LIMITS, valueLimitProblem } from './input-limits';

const TOOL_NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.:\\-/]{0,${INPUT_LIMITS.toolNameLength - 1}}$`);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns what is wrong with a guarded call, or undefined when it is well formed. */
export function callProblem(call: unknown): string | undefined {
  if (!isPlainObject(call)) return 'the call must be an object {tool, input}';
  const { tool, input, context, escalationTimeoutMs } = call as Partial<GuardedCallInput>;
  if (typeof tool !== 'string' || !TOOL_NAME.test(tool)) {
    const shown =
      typeof tool === 'string' && tool.length > 64 ? `${JSON.stringify(tool.slice(0, 64))}...` : JSON.stringify(tool);
    return `tool must be a name of 1-${INPUT_LIMITS.toolNameLength} letters, digits and _ . : - / (got ${shown})`;
  }
  if (!isPlainObject(input)) {
    return `input of tool '${tool}' must be a JSON object (got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input})`;
  }
  const inputProblem = valueLimitProblem(`input of tool '${tool}'`, input, 'input');
  if (inputProblem) return inputProblem;
  if (context !== undefined && !isPlainObject(context)) return 'context must be an object when given';
  const contextProblem = context === undefined ? undefined : valueLimitProblem('context', context, 'context');
  if (contextProblem) return contextProblem;
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
  const max = INPUT_LIMITS.approval;
  if (typeof by !== 'string' || by.trim() === '') return "'by' must name the approver (a non-empty string)";
  if (by.length > max.byLength)
    return `'by' is ${by.length} characters long (limit approval.byLength: ${max.byLength})`;
  if (reason !== undefined && typeof reason !== 'string') return "'reason' must be a string when given";
  if (reason !== undefined && reason.length > max.reasonLength) {
    return `'reason' is ${reason.length} characters long (limit approval.reasonLength: ${max.reasonLength})`;
  }
  if (modifiedInput !== undefined && !isPlainObject(modifiedInput)) {
    return "'modifiedInput' must be a JSON object when given";
  }
  const editProblem =
    modifiedInput === undefined ? undefined : valueLimitProblem("'modifiedInput'", modifiedInput, 'input');
  if (editProblem) return editProblem;
  if (groups !== undefined) {
    if (!Array.isArray(groups) || groups.length > max.groups) {
      return `'groups' must be a list of at most ${max.groups} strings when given`;
    }
    if (!groups.every((g) => typeof g === 'string' && g.length > 0 && g.length <= max.groupLength)) {
      return `'groups' must hold non-empty strings of at most ${max.groupLength} characters`;
    }
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
