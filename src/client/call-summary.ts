/** Web UI text for a guarded call (static summary and details), built so that it never shows a secret. */
import { resolveDetectors } from '../policy/detectors/registry';
import { scanValue } from '../policy/detectors/scan';
import type { CallContext } from '../policy/types';

const detectors = resolveDetectors(['secrets', 'pii']) ?? [];

/** Field names whose values are never shown, whatever they look like. */
const SENSITIVE_KEY = /pass(word)?|secret|token|api[-_]?key|auth|credential|cookie|session|private|ssn|card|iban|cvv/i;

const MAX_FIELDS = 2;
const MAX_VALUE_CHARS = 32;
/** Characters of each value (and key) the detectors read: enough for a secret that starts in the excerpt. */
export const SUMMARY_SCAN_CHARS = 1024;

function shown(key: string, value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  // Only a bounded prefix is read: the summary is built on the caller's side for every call, hostile ones too.
  const prefix = value.slice(0, SUMMARY_SCAN_CHARS);
  if (SENSITIVE_KEY.test(key.slice(0, SUMMARY_SCAN_CHARS)) || scanValue(prefix, detectors, 1).length > 0) {
    return '[redacted]';
  }
  const oneLine = prefix.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > MAX_VALUE_CHARS ? `${oneLine.slice(0, MAX_VALUE_CHARS - 1)}…` : oneLine);
}

/**
 * A short excerpt of the input: the first two scalar fields as `key=value`, strings quoted and cut, values that
 * a secret or PII detector flags in their first {@link SUMMARY_SCAN_CHARS} characters (or whose key names a
 * credential) shown as `[redacted]`. Keys longer than the excerpt's values are cut the same way.
 */
export function inputExcerpt(input: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of Object.keys(input)) {
    if (parts.length >= MAX_FIELDS) break;
    const value = shown(key, input[key]);
    if (value !== undefined)
      parts.push(`${key.length > MAX_VALUE_CHARS ? `${key.slice(0, MAX_VALUE_CHARS - 1)}…` : key}=${value}`);
  }
  return parts.join(', ');
}

/** The workflow's static summary: `tool · mode · key input`, e.g. `process_refund · check · amount=4200`. */
export function callSummary(tool: string, input: Record<string, unknown>, execute: boolean): string {
  const excerpt = inputExcerpt(input);
  return [tool, execute ? 'execute' : 'check', ...(excerpt ? [excerpt] : [])].join(' · ');
}

/** The workflow's static details (Markdown): what was asked, by whom, without the raw input. */
export function callDetails(
  tool: string,
  input: Record<string, unknown>,
  execute: boolean,
  context: CallContext | undefined,
): string {
  const who = (['agent', 'caller', 'batch'] as const)
    .map((key) => (typeof context?.[key] === 'string' ? `${key} \`${context[key] as string}\`` : undefined))
    .filter((part): part is string => part !== undefined);
  const keys = Object.keys(input);
  return [
    `**Tool** \`${tool}\` (${execute ? 'the worker runs the tool after allow/modify' : 'decision only'})`,
    ...(who.length ? [`**From** ${who.join(', ')}`] : []),
    `**Input fields** ${keys.length ? keys.map((k) => `\`${k}\``).join(', ') : '(none)'}`,
    `**Excerpt** ${inputExcerpt(input) || '(no scalar fields)'}`,
  ].join('\n\n');
}
