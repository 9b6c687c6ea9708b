import type { Detector } from './detector';
import { formatPointer } from '../json-pointer';

/** One detector hit inside a JSON value: which detector, and the JSON pointer of the string. */
export interface Finding {
  detector: string;
  pointer: string;
}

/**
 * Scans every string value in `value` (recursively, objects and arrays; keys are not scanned).
 * Iterative, so deep nesting cannot overflow the stack.
 * @param limit - stop after this many findings
 */
export function scanValue(value: unknown, detectors: readonly Detector[], limit = Infinity): Finding[] {
  const findings: Finding[] = [];
  // Paths are linked lists built only for the strings that match: most scans find nothing.
  const stack: { value: unknown; path: PathNode | undefined }[] = [{ value, path: undefined }];
  let seen: Set<object> | undefined;
  while (stack.length > 0 && findings.length < limit) {
    const { value: current, path } = stack.pop() as { value: unknown; path: PathNode | undefined };
    if (typeof current === 'string') {
      for (const detector of detectors) {
        if (detector.test(current)) {
          findings.push({ detector: detector.name, pointer: formatPointer(pathTokens(path)) });
          if (findings.length >= limit) break;
        }
      }
    } else if (typeof current === 'object' && current !== null) {
      seen ??= new Set();
      if (seen.has(current)) continue;
      seen.add(current);
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: { parent: path, key: i } });
      } else {
        const keys = Object.keys(current);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string;
          stack.push({ value: (current as Record<string, unknown>)[key], path: { parent: path, key } });
        }
      }
    }
  }
  return findings;
}

interface PathNode {
  parent: PathNode | undefined;
  key: string | number;
}

function pathTokens(node: PathNode | undefined): (string | number)[] {
  const tokens: (string | number)[] = [];
  for (let n = node; n; n = n.parent) tokens.push(n.key);
  return tokens.reverse();
}

/**
 * Replaces every detected span in `text` with `[REDACTED:<detector>]`, detectors applied in order, repeated
 * (a few passes at most) until nothing is detected, so that removing one match cannot reveal another.
 */
export function redactText(text: string, detectors: readonly Detector[]): string {
  let result = text;
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    for (const detector of detectors) {
      const matches = detector.find(result);
      if (matches.length === 0) continue;
      changed = true;
      let out = '';
      let cursor = 0;
      for (const match of matches) {
        if (match.start < cursor) continue;
        out += result.slice(cursor, match.start) + `[REDACTED:${detector.name}]`;
        cursor = match.end;
      }
      result = out + result.slice(cursor);
    }
    if (!changed) break;
  }
  return result;
}

/** Returns a copy of `value` with every string redacted by {@link redactText}; non-strings are kept. */
export function redactValue(value: unknown, detectors: readonly Detector[]): unknown {
  if (typeof value === 'string') return redactText(value, detectors);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, detectors));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: redactValue((value as Record<string, unknown>)[key], detectors),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
