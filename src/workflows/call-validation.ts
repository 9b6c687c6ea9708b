/** Pure checks of call and approval payloads, shared by workflows and clients (no I/O, deterministic). */
import type { ApproveInput, BatchItem, DecideInput, GuardedCallInput } from './definitions';
import { checkValueLimits, describeViolation, INPUT_LIMITS } from './input-limits';

const TOOL_NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.:\\-/]{0,${INPUT_LIMITS.toolNameLength - 1}}$`);
const CALL_ID = /^[A-Za-z0-9_.:@/+=-]+$/;

/**
 * What is wrong with a call or approval: the message, and, when a structural limit was broken, its name as
 * {@link INPUT_LIMITS} spells it (`input.maxDepth`, `context.maxBytes`, `toolNameLength`, `callIdLength`, ...).
 */
export interface Issue {
  message: string;
  limit?: string;
}

/** Which checks to run. */
export interface ValidationOptions {
  /**
   * Check the structural limits too. Workflow code passes `false` for the checks its released versions made,
   * then checks the limits behind `patched()`. @default true
   */
  limits?: boolean;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shownType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

function valueIssue(what: string, value: unknown, limitsName: 'input' | 'context' | 'toolSchema'): Issue | undefined {
  const violation = checkValueLimits(value, INPUT_LIMITS[limitsName]);
  if (!violation) return undefined;
  return { message: describeViolation(what, violation, limitsName), limit: `${limitsName}.${violation.limit}` };
}

function toolIssue(tool: unknown): Issue | undefined {
  if (typeof tool === 'string' && TOOL_NAME.test(tool)) return undefined;
  const tooLong = typeof tool === 'string' && tool.length > INPUT_LIMITS.toolNameLength;
  const shown =
    typeof tool === 'string' && tool.length > 64 ? `${JSON.stringify(tool.slice(0, 64))}...` : JSON.stringify(tool);
  return {
    message:
      `tool must be a name of 1-${INPUT_LIMITS.toolNameLength} letters, digits and _ . : - / (got ${shown}` +
      `${tooLong ? `, ${(tool as string).length} characters; limit toolNameLength` : ''})`,
    ...(tooLong ? { limit: 'toolNameLength' } : {}),
  };
}

/**
 * What is wrong with a callId (the workflow ID of a call, or a batch item's own ID), or undefined when it is
 * fine: 1-256 characters of letters, digits and `_ . : @ / + = -`, so it is safe in visibility queries, URLs
 * and shell commands.
 */
export function callIdIssue(callId: unknown, what = 'callId'): Issue | undefined {
  if (typeof callId !== 'string') return { message: `${what} must be a string` };
  if (callId === '') return { message: `${what} must not be empty` };
  if (callId.length > INPUT_LIMITS.callIdLength) {
    return {
      message: `${what} is ${callId.length} characters long (limit callIdLength: ${INPUT_LIMITS.callIdLength})`,
      limit: 'callIdLength',
    };
  }
  if (!CALL_ID.test(callId)) {
    const bad = [...callId].find((c) => !CALL_ID.test(c)) as string;
    return {
      message: `${what} ${JSON.stringify(callId.slice(0, 64))} has the character ${JSON.stringify(bad)}: use letters, digits and _ . : @ / + = -`,
    };
  }
  return undefined;
}

/** What is wrong with a guarded call, or undefined when it is well formed and within the limits. */
export function callIssue(call: unknown, { limits = true }: ValidationOptions = {}): Issue | undefined {
  if (!isPlainObject(call)) return { message: 'the call must be an object {tool, input}' };
  const { tool, input, context, escalationTimeoutMs, toolSchema } = call as Partial<GuardedCallInput>;
  const badTool = toolIssue(tool);
  if (badTool) return badTool;
  if (!isPlainObject(input)) {
    return { message: `input of tool '${tool}' must be a JSON object (got ${shownType(input)})` };
  }
  const inputIssue = limits ? valueIssue(`input of tool '${tool}'`, input, 'input') : undefined;
  if (inputIssue) return inputIssue;
  if (context !== undefined && !isPlainObject(context)) return { message: 'context must be an object when given' };
  const contextIssue = limits && context !== undefined ? valueIssue('context', context, 'context') : undefined;
  if (contextIssue) return contextIssue;
  if (toolSchema !== undefined && !isPlainObject(toolSchema)) {
    return { message: `toolSchema of tool '${tool}' must be a JSON Schema object when given` };
  }
  const schemaIssue =
    limits && toolSchema !== undefined
      ? valueIssue(`toolSchema of tool '${tool}'`, toolSchema, 'toolSchema')
      : undefined;
  if (schemaIssue) return schemaIssue;
  if (escalationTimeoutMs !== undefined && !(Number.isFinite(escalationTimeoutMs) && escalationTimeoutMs > 0)) {
    return {
      message: `escalationTimeoutMs must be a positive number of milliseconds (got ${JSON.stringify(escalationTimeoutMs)})`,
    };
  }
  return undefined;
}

/** Returns what is wrong with a guarded call, or undefined when it is well formed and within the limits. */
export function callProblem(call: unknown, options: ValidationOptions = {}): string | undefined {
  return callIssue(call, options)?.message;
}

/** What is wrong with an approve/deny payload, or undefined when it is well formed and within the limits. */
export function approvalIssue(
  payload: unknown,
  needsDecision = false,
  { limits = true }: ValidationOptions = {},
): Issue | undefined {
  if (!isPlainObject(payload)) return { message: 'the payload must be an object {by, reason?, modifiedInput?}' };
  const { by, reason, modifiedInput, groups } = payload as Partial<ApproveInput>;
  if (needsDecision) {
    const { decision } = payload as Partial<DecideInput>;
    if (decision !== 'approve' && decision !== 'deny') {
      return { message: `decision must be 'approve' or 'deny' (got ${JSON.stringify(decision)})` };
    }
    const { grantId } = payload as Partial<DecideInput>;
    if (grantId !== undefined && (typeof grantId !== 'string' || grantId === '' || grantId.length > 128)) {
      return { message: "'grantId' must be a grant's ID (a string of 1 to 128 characters) when given" };
    }
  }
  const max = INPUT_LIMITS.approval;
  if (typeof by !== 'string' || by.trim() === '')
    return { message: "'by' must name the approver (a non-empty string)" };
  if (limits && by.length > max.byLength) {
    return {
      message: `'by' is ${by.length} characters long (limit approval.byLength: ${max.byLength})`,
      limit: 'approval.byLength',
    };
  }
  if (reason !== undefined && typeof reason !== 'string') return { message: "'reason' must be a string when given" };
  if (limits && reason !== undefined && reason.length > max.reasonLength) {
    return {
      message: `'reason' is ${reason.length} characters long (limit approval.reasonLength: ${max.reasonLength})`,
      limit: 'approval.reasonLength',
    };
  }
  if (modifiedInput !== undefined && !isPlainObject(modifiedInput)) {
    return { message: "'modifiedInput' must be a JSON object when given" };
  }
  const editIssue =
    limits && modifiedInput !== undefined ? valueIssue("'modifiedInput'", modifiedInput, 'input') : undefined;
  if (editIssue) return editIssue;
  if (groups === undefined) return undefined;
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
    return { message: "'groups' must be a list of strings when given" };
  }
  if (!limits) return undefined;
  if (groups.length > max.groups) {
    return {
      message: `'groups' lists ${groups.length} groups, at most ${max.groups} are accepted (limit approval.groups)`,
      limit: 'approval.groups',
    };
  }
  if (groups.some((g) => g === '')) return { message: "'groups' must hold non-empty strings" };
  const long = groups.find((g) => g.length > max.groupLength);
  if (long !== undefined) {
    return {
      message: `'groups' holds a group of ${long.length} characters, at most ${max.groupLength} are accepted (limit approval.groupLength)`,
      limit: 'approval.groupLength',
    };
  }
  return undefined;
}

/** Returns what is wrong with an approve/deny payload, or undefined when it is well formed and within the limits. */
export function approvalProblem(
  payload: unknown,
  needsDecision = false,
  options: ValidationOptions = {},
): string | undefined {
  return approvalIssue(payload, needsDecision, options)?.message;
}

/** A batch item refused before it became a call (by the client or the batch), carried in place of its content. */
export function refusedItem(issue: Issue): BatchItem {
  return {
    tool: '',
    input: {},
    refused: issue.limit ? { message: issue.message, limit: issue.limit } : { message: issue.message },
  };
}

const REFUSED_MESSAGE_LENGTH = 1_000;

/**
 * Why a batch item (an inline item or a parsed line of a batch file) cannot become a call, or undefined when it
 * can: not an object, a bad tool name, input or context not objects or over their limits, a bad callId.
 */
export function batchItemIssue(value: unknown): Issue | undefined {
  if (!isPlainObject(value)) return { message: 'not a JSON object' };
  const { tool, input, context, callId, refused } = value as Partial<BatchItem>;
  if (refused !== undefined) {
    const message = isPlainObject(refused) && typeof refused.message === 'string' ? refused.message : 'refused';
    const limit = isPlainObject(refused) && typeof refused.limit === 'string' ? refused.limit : undefined;
    return { message: message.slice(0, REFUSED_MESSAGE_LENGTH), ...(limit ? { limit: limit.slice(0, 64) } : {}) };
  }
  if (typeof tool !== 'string' || tool === '') return { message: '"tool" must be a non-empty string' };
  const badTool = toolIssue(tool);
  if (badTool) return badTool;
  if (!isPlainObject(input)) return { message: '"input" must be an object' };
  if (context !== undefined && !isPlainObject(context)) return { message: '"context" must be an object' };
  if (callId !== undefined) {
    const badId = callIdIssue(callId, '"callId"');
    if (badId) return badId;
  }
  return (
    valueIssue(`input of tool '${tool}'`, input, 'input') ??
    (context === undefined ? undefined : valueIssue('context', context, 'context'))
  );
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
