/** Whole-number options of the CLI (`--limit 100`, `--concurrency 32`). */

/**
 * Parses a whole number of at least 1 (and at most `max`, when given).
 * @throws Error naming the option and what it accepts
 */
export function parsePositiveIntFlag(text: string, flag: string, max?: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || (max !== undefined && n > max)) {
    const range = max === undefined ? 'of at least 1' : `from 1 to ${max}`;
    throw new Error(`${flag} must be a whole number ${range}, got '${text}'`);
  }
  return n;
}
