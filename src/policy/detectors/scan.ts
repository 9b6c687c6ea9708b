import type { DecisionBudget } from '../budget';
import type { Detector, DetectorMatch } from './detector';
import { formatPointer } from '../json-pointer';
import { storedName } from './secret-keys';

/** Longest string a detector not marked `linear` is handed whole; longer ones are scanned in windows this long. */
export const SCAN_WINDOW = 4096;
/** How far consecutive windows overlap: a match up to this long is always seen whole in one window. */
export const SCAN_OVERLAP = 512;

/** Start offsets of the windows over a text of `length` characters: one window when it is short enough. */
function windowStarts(length: number): number[] {
  const starts = [0];
  for (let start = SCAN_WINDOW - SCAN_OVERLAP; start + SCAN_OVERLAP < length; start += SCAN_WINDOW - SCAN_OVERLAP) {
    starts.push(start);
  }
  return starts;
}

function windowed(detector: Detector, text: string): boolean {
  return detector.linear !== true && text.length > SCAN_WINDOW;
}

/**
 * Whether `detector` finds anything in `text`. A detector not marked `linear` sees a long text as overlapping
 * windows of {@link SCAN_WINDOW} characters, with the budget's clock read between windows, so that even a pattern
 * that backtracks cannot hold the decision past its time budget.
 */
export function detectIn(text: string, detector: Detector, budget?: DecisionBudget): boolean {
  budget?.poll(text.length + 16);
  if (!windowed(detector, text)) return detector.test(text);
  for (const start of windowStarts(text.length)) {
    budget?.poll(Infinity);
    if (detector.test(text.slice(start, start + SCAN_WINDOW))) return true;
  }
  return false;
}

/**
 * Every match of `detector` in `text`, in order and non-overlapping; windowed like {@link detectIn}. Matches found in
 * two overlapping windows are merged into one span, so redaction covers at least what each window saw.
 */
export function findIn(text: string, detector: Detector, budget?: DecisionBudget): DetectorMatch[] {
  budget?.poll(text.length + 16);
  if (!windowed(detector, text)) return detector.find(text);
  const merged: DetectorMatch[] = [];
  for (const start of windowStarts(text.length)) {
    budget?.poll(Infinity);
    for (const match of detector.find(text.slice(start, start + SCAN_WINDOW))) {
      const span = { start: match.start + start, end: match.end + start };
      const last = merged[merged.length - 1];
      if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
      else merged.push(span);
    }
  }
  return merged;
}

/** One detector hit inside a JSON value: which detector, and the JSON pointer of the string. */
export interface Finding {
  detector: string;
  pointer: string;
}

/** What a scan that finds nothing returns: shared, never written to. */
const noFindings: Finding[] = [];
Object.freeze(noFindings);

// The walk's stack and its paths, reused by every scan (scans are synchronous and never nested): values to visit,
// and for each a node of the path table (parent node, key), so a pointer is built only for a string that matches.
const stackValues: unknown[] = [];
const stackNodes: number[] = [];
const nodeParents: number[] = [];
const nodeKeys: (string | number)[] = [];
// The object or array each node was found in, for detectors that judge a string by the name it is stored under.
const nodeHolders: unknown[] = [];

/**
 * Scans every string value in `value` (recursively, objects and arrays; keys are not scanned).
 * Iterative, so deep nesting cannot overflow the stack.
 * @param limit - stop after this many findings
 * @param budget - the decision's budget: each string is counted once, whatever the number of detectors
 * @returns the findings, in the order of the walk (a shared empty array when there are none)
 * @throws DecisionBudgetError when the budget runs out
 */
export function scanValue(
  value: unknown,
  detectors: readonly Detector[],
  limit = Infinity,
  budget?: DecisionBudget,
): Finding[] {
  if (typeof value === 'string') {
    // A scope that points at a string (`/command`) is the common case: no walk, no path.
    budget?.spend(value.length);
    return limit > 0 ? scanString(value, -1, detectors, limit, budget, noFindings) : noFindings;
  }
  if (typeof value !== 'object' || value === null) return noFindings;
  let findings = noFindings;
  // Counts, not `length = 0`: resetting an array's length is a slow built-in call.
  top = 0;
  nodes = 0;
  pushValue(value, -1);
  let seen: Set<object> | undefined;
  try {
    while (top > 0 && findings.length < limit) {
      top--;
      const current = stackValues[top];
      const node = stackNodes[top] as number;
      stackValues[top] = undefined;
      if (typeof current === 'string') {
        budget?.spend(current.length);
        findings = scanString(current, node, detectors, limit, budget, findings);
      } else if (typeof current === 'object' && current !== null) {
        budget?.poll(16);
        // The first object needs no check: nothing was seen before it.
        if (node >= 0) {
          seen ??= new Set([value]);
          if (seen.has(current)) continue;
          seen.add(current);
        }
        if (Array.isArray(current)) {
          findings = scanArgv(current, node, detectors, limit, findings);
          for (let i = current.length - 1; i >= 0; i--) push(current[i], node, i, current);
        } else {
          const keys = Object.keys(current);
          for (let i = keys.length - 1; i >= 0; i--) {
            const key = keys[i] as string;
            push((current as Record<string, unknown>)[key], node, key, current);
          }
        }
      }
    }
  } finally {
    // Nothing of this input is kept alive by the shared stack.
    for (let i = 0; i < top; i++) stackValues[i] = undefined;
    top = 0;
    // A large input's tables are let go rather than kept at their largest.
    if (nodes > 4096) {
      stackValues.length = 0;
      stackNodes.length = 0;
      nodeParents.length = 0;
      nodeKeys.length = 0;
      nodeHolders.length = 0;
    } else for (let i = 0; i < nodes; i++) nodeHolders[i] = undefined;
  }
  return findings;
}

/**
 * Adds to `findings` (a new array in place of the shared empty one) what `detectors` find in `text`, the string at
 * path `node` (-1: the scanned value itself), until `limit`. A family gate found closed skips the rest of its family.
 */
function scanString(
  text: string,
  node: number,
  detectors: readonly Detector[],
  limit: number,
  budget: DecisionBudget | undefined,
  findings: Finding[],
): Finding[] {
  let closed: ((text: string) => boolean) | undefined;
  for (const detector of detectors) {
    if (detector.gate !== undefined && detector.gate === closed) continue;
    if (!gateOpen(detector, text)) {
      closed = detector.gate;
      continue;
    }
    if (detectIn(text, detector, budget) || namedMatch(detector, node, text)) {
      if (findings === noFindings) findings = [];
      findings.push({ detector: detector.name, pointer: node < 0 ? '' : formatPointer(pathTokens(node)) });
      if (findings.length >= limit) break;
    }
  }
  return findings;
}

let top = 0;
let nodes = 0;

/** Adds what detectors that judge argument vectors ({@link Detector.argv}) find in `array`, an array of strings. */
function scanArgv(
  array: unknown[],
  node: number,
  detectors: readonly Detector[],
  limit: number,
  findings: Finding[],
): Finding[] {
  if (array.length === 0 || array.length > 256 || findings.length >= limit) return findings;
  if (!detectors.some((d) => d.argv !== undefined) || !array.every((item) => typeof item === 'string')) return findings;
  for (const detector of detectors) {
    if (detector.argv === undefined || !detector.argv(array as string[])) continue;
    if (findings === noFindings) findings = [];
    findings.push({ detector: detector.name, pointer: node < 0 ? '' : formatPointer(pathTokens(node)) });
    if (findings.length >= limit) break;
  }
  return findings;
}

/** Whether a detector that judges by name ({@link Detector.named}) matches `text` under the name of `node`. */
function namedMatch(detector: Detector, node: number, text: string): boolean {
  if (detector.named === undefined || node < 0) return false;
  const name = storedName(nodeKeys[node] as string | number, nodeHolders[node]);
  return name !== undefined && detector.named(name, text);
}

function pushValue(child: unknown, node: number): void {
  stackValues[top] = child;
  stackNodes[top] = node;
  top++;
}

/** Pushes a child to visit, unless it is neither a string nor an object (numbers, booleans: nothing to scan). */
function push(child: unknown, parent: number, key: string | number, holder: object): void {
  if (typeof child !== 'string' && (typeof child !== 'object' || child === null)) return;
  nodeParents[nodes] = parent;
  nodeKeys[nodes] = key;
  nodeHolders[nodes] = holder;
  pushValue(child, nodes);
  nodes++;
}

let lastGate: ((text: string) => boolean) | undefined;
let lastGateText: string | undefined;
let lastGateAnswer = true;

/**
 * Whether `detector` can match `text` as far as its family gate ({@link Detector.gate}) says, each gate tested
 * once per string: the detectors of a family are listed together, so the last answer is what the next one asks.
 */
function gateOpen(detector: Detector, text: string): boolean {
  const gate = detector.gate;
  if (gate === undefined) return true;
  if (gate !== lastGate || text !== lastGateText) {
    lastGate = gate;
    lastGateText = text;
    lastGateAnswer = gate(text);
  }
  return lastGateAnswer;
}

function pathTokens(node: number): (string | number)[] {
  const tokens: (string | number)[] = [];
  for (let n = node; n >= 0; n = nodeParents[n] as number) tokens.push(nodeKeys[n] as string | number);
  return tokens.reverse();
}

/**
 * Replaces every detected span in `text` with `[REDACTED:<detector>]`, detectors applied in order, repeated
 * (a few passes at most) until nothing is detected, so that removing one match cannot reveal another.
 * @param budget - the decision's budget: each pass counts the text once
 * @throws DecisionBudgetError when the budget runs out
 */
export function redactText(text: string, detectors: readonly Detector[], budget?: DecisionBudget): string {
  let result = text;
  // How many detectors in a row, in the order they apply, have found nothing in the text as it is now: a detector
  // that has already read this very text finds nothing in it again, so each pass after the first runs only the
  // detectors that ran before the last change, and the passes end once every detector has read the text unchanged.
  let unchangedRuns = 0;
  for (let pass = 0; pass < 4 && (pass === 0 || unchangedRuns < detectors.length); pass++) {
    budget?.spend(result.length);
    for (const detector of detectors) {
      if (unchangedRuns >= detectors.length) break;
      const matches = findIn(result, detector, budget);
      if (matches.length === 0) {
        unchangedRuns++;
        continue;
      }
      unchangedRuns = 0;
      const marker = `[REDACTED:${detector.name}]`;
      const parts: string[] = [];
      let cursor = 0;
      for (const match of matches) {
        if (match.start < cursor) continue;
        parts.push(result.slice(cursor, match.start));
        cursor = match.end;
      }
      parts.push(result.slice(cursor));
      result = parts.join(marker);
    }
  }
  return result;
}

/**
 * Returns a copy of `value` with every string redacted by {@link redactText}; non-strings are kept.
 * @throws DecisionBudgetError when the budget runs out
 */
export function redactValue(value: unknown, detectors: readonly Detector[], budget?: DecisionBudget): unknown {
  if (typeof value === 'string') return redactText(value, detectors, budget);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, detectors, budget));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, {
        value: redactValue((value as Record<string, unknown>)[key], detectors, budget),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
