/**
 * The structural limits on every value that crosses a boundary of the guard (tool input, context, callId, tool
 * name, an approver's `modifiedInput`, API bodies), named once and shared by the workflow, the client and the API.
 * Pure and deterministic (used inside workflow code): no I/O, no recursion, so a hostile value can neither
 * overflow the stack nor take more than one pass over what it holds.
 */

/** Limits of one JSON value. */
export interface ValueLimits {
  /** Deepest nesting of objects and arrays (the value itself is depth 1). */
  maxDepth: number;
  /** Largest size in bytes of the value written as JSON (UTF-8). */
  maxBytes: number;
  /** Most object keys and array items in the whole value, counted together. */
  maxEntries: number;
  /** Longest string (keys included), in UTF-16 code units as JavaScript counts `length`. */
  maxStringLength: number;
}

/**
 * The defaults. A guarded call is one workflow argument (tool + input + context), and Temporal refuses a payload
 * over 2 MB: the input's 1.9 MB leaves room for the rest of the call and the payload's envelope.
 */
export const INPUT_LIMITS = {
  /** A tool input, and an approver's edited input. */
  input: { maxDepth: 64, maxBytes: 1_900_000, maxEntries: 100_000, maxStringLength: 1_048_576 },
  /** A tool schema sent with a call: small, since it is written into the call's history with it. */
  toolSchema: { maxDepth: 32, maxBytes: 16_384, maxEntries: 2_000, maxStringLength: 2_048 },
  /** The call's context (agent, caller, batch, ...). */
  context: { maxDepth: 16, maxBytes: 65_536, maxEntries: 1_000, maxStringLength: 8_192 },
  /** Tool names: the longest accepted name. */
  toolNameLength: 128,
  /** callIds (workflow IDs): the longest accepted ID; Temporal's own limit is 1,000. */
  callIdLength: 256,
  /** An approval's `by`, `reason` and `groups`. */
  approval: { byLength: 256, reasonLength: 4_096, groups: 64, groupLength: 128 },
  /** The longest line of a batch file, in bytes: one item, which must fit one 2 MB payload with its envelope. */
  batchLineBytes: 2_000_000,
} as const satisfies {
  input: ValueLimits;
  toolSchema: ValueLimits;
  context: ValueLimits;
  toolNameLength: number;
  callIdLength: number;
  approval: { byLength: number; reasonLength: number; groups: number; groupLength: number };
  batchLineBytes: number;
};

/** The name of a limit, as error messages and the `GUARD_INPUT_LIMIT` code's details name it. */
export type LimitName = keyof ValueLimits;

/** What broke a limit, for a message that names the limit and the value. */
export interface LimitViolation {
  limit: LimitName;
  /** The limit in force. */
  max: number;
  /** What was found (for `maxBytes` and `maxEntries`, at least this much: the walk stops at the limit). */
  found: number;
  /** JSON pointer of where it was found, `''` for the whole value. */
  at: string;
}

function escapeToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

// Bytes of a string in JSON: UTF-8 length plus its quotes; escapes counted as the 2-6 bytes JSON.stringify writes.
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20)
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

interface Frame {
  value: unknown;
  depth: number;
  path: Path | undefined;
}
interface Path {
  parent: Path | undefined;
  key: string | number;
}

// Messages show at most this much of a pointer: its keys may be long strings.
const POINTER_SHOWN = 256;

function pointer(path: Path | undefined): string {
  const tokens: string[] = [];
  for (let p = path; p; p = p.parent) tokens.push(escapeToken(p.key).slice(0, POINTER_SHOWN));
  const full = tokens.length === 0 ? '' : `/${tokens.reverse().join('/')}`;
  return full.length > POINTER_SHOWN ? `${full.slice(0, POINTER_SHOWN)}...` : full;
}

/**
 * Checks a JSON value against limits in one iterative walk that stops at the first violation, so its cost is
 * bounded by the limits, not by the value.
 * @returns the first limit broken, or undefined when the value is within all of them
 */
export function checkValueLimits(value: unknown, limits: ValueLimits): LimitViolation | undefined {
  let bytes = 0;
  let entries = 0;
  const stack: Frame[] = [{ value, depth: 1, path: undefined }];
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop() as Frame;
    if (typeof current === 'string') {
      if (current.length > limits.maxStringLength) {
        return { limit: 'maxStringLength', max: limits.maxStringLength, found: current.length, at: pointer(path) };
      }
      bytes += jsonStringBytes(current);
    } else if (typeof current === 'number') {
      bytes += Number.isFinite(current) ? String(current).length : 4;
    } else if (typeof current === 'boolean') {
      bytes += current ? 4 : 5;
    } else if (current === null || typeof current !== 'object') {
      // null, and undefined / functions / symbols, which JSON drops or writes as null.
      bytes += 4;
    } else {
      if (depth > limits.maxDepth) return { limit: 'maxDepth', max: limits.maxDepth, found: depth, at: pointer(path) };
      if (Array.isArray(current)) {
        entries += current.length;
        bytes += 2 + Math.max(0, current.length - 1);
        if (entries > limits.maxEntries) {
          return { limit: 'maxEntries', max: limits.maxEntries, found: entries, at: pointer(path) };
        }
        for (let i = current.length - 1; i >= 0; i--) {
          stack.push({ value: current[i], depth: depth + 1, path: { parent: path, key: i } });
        }
      } else {
        const keys = Object.keys(current);
        entries += keys.length;
        bytes += 2 + Math.max(0, keys.length - 1);
        if (entries > limits.maxEntries) {
          return { limit: 'maxEntries', max: limits.maxEntries, found: entries, at: pointer(path) };
        }
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string;
          if (key.length > limits.maxStringLength) {
            return { limit: 'maxStringLength', max: limits.maxStringLength, found: key.length, at: pointer(path) };
          }
          bytes += jsonStringBytes(key) + 1;
          stack.push({
            value: (current as Record<string, unknown>)[key],
            depth: depth + 1,
            path: { parent: path, key },
          });
        }
      }
    }
    if (bytes > limits.maxBytes) return { limit: 'maxBytes', max: limits.maxBytes, found: bytes, at: '' };
  }
  return undefined;
}

const LIMIT_WORDS: Record<LimitName, (v: LimitViolation) => string> = {
  maxDepth: (v) => `is nested more than ${v.max} levels deep`,
  maxBytes: (v) => `is over ${v.max} bytes as JSON`,
  maxEntries: (v) => `has more than ${v.max} keys and items in all`,
  maxStringLength: (v) => `has a string of ${v.found} characters (the limit is ${v.max})`,
};

/**
 * A message that names the value, the limit and where: `input of tool 'x' is nested more than 64 levels deep
 * (at /a/b/c; limit input.maxDepth)`.
 */
export function describeViolation(what: string, violation: LimitViolation, limitsName: string): string {
  const where = violation.at ? `at ${violation.at}; ` : '';
  return `${what} ${LIMIT_WORDS[violation.limit](violation)} (${where}limit ${limitsName}.${violation.limit})`;
}

/** Checks a value and returns the message of its first violation, or undefined when it is within the limits. */
export function valueLimitProblem(
  what: string,
  value: unknown,
  limitsName: 'input' | 'context',
  limits: ValueLimits = INPUT_LIMITS[limitsName],
): string | undefined {
  const violation = checkValueLimits(value, limits);
  return violation ? describeViolation(what, violation, limitsName) : undefined;
}
