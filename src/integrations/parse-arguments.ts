/** Turns a model's tool-call arguments into an input object (or says why they cannot be used), and back. */

/** A usable input, or the reason there is none. */
export type ParsedArguments = { input: Record<string, unknown> } | { problem: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'undefined' ? `an ${typeof value}` : `a ${typeof value}`;
}

/**
 * Checks an already-decoded input (Anthropic `tool_use.input`).
 *
 * @param label names the call in the problem, e.g. `tool call 'x' (toolu_1)`.
 */
export function checkInput(value: unknown, label: string): ParsedArguments {
  if (isPlainObject(value)) return { input: value };
  return { problem: `the input of ${label} is ${kindOf(value)}, not a JSON object; the call was not run` };
}

/**
 * Parses a JSON `arguments` string (OpenAI). Never throws: malformed JSON becomes a problem.
 *
 * @param label names the call in the problem, e.g. `tool call 'x' (call_1)`.
 */
export function parseArguments(json: unknown, label: string): ParsedArguments {
  if (typeof json !== 'string') {
    return { problem: `the arguments of ${label} are ${kindOf(json)}, not a JSON string; the call was not run` };
  }
  // Some models send an empty string for a tool without parameters.
  if (json.trim() === '') return { input: {} };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { problem: `the arguments of ${label} are not valid JSON (${detail}); the call was not run` };
  }
  return isPlainObject(value)
    ? { input: value }
    : { problem: `the arguments of ${label} are ${kindOf(value)}, not a JSON object; the call was not run` };
}

/**
 * Writes a rewritten input back as OpenAI `arguments` (a JSON string), and as `parsed_arguments` where the
 * response came from a `parse` helper and carries the decoded arguments too.
 */
export function writeArguments(
  target: { arguments: unknown; parsed_arguments?: unknown },
  input: Record<string, unknown>,
): void {
  target.arguments = JSON.stringify(input);
  if ('parsed_arguments' in target) target.parsed_arguments = input;
}
