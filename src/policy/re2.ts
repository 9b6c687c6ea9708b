/** Regular expressions with RE2 semantics (linear time, as the CEL spec requires of `matches()`), via re2js. */
import { RE2JS } from 're2js';

/** Compiled patterns kept: conditions with literal patterns need a few, patterns read from input more. */
const CACHE_SIZE = 512;
const cache = new Map<string, RE2JS | string>();

/**
 * Compiles `pattern` as RE2 (no backreferences, no lookaround), cached.
 * @returns the compiled pattern, or the reason it is not valid RE2
 */
export function compileRe2(pattern: string): { regex: RE2JS } | { error: string } {
  let entry = cache.get(pattern);
  if (entry === undefined) {
    try {
      entry = RE2JS.compile(pattern);
    } catch (error) {
      entry = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '');
    }
    // Oldest first out: a Map iterates in insertion order.
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, entry);
  }
  return typeof entry === 'string' ? { error: entry } : { regex: entry };
}

/** A pattern that RE2 refuses, as a condition's `matches()` reports it at evaluation. */
export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
}

/**
 * Whether `pattern` matches anywhere in `text` (CEL `matches()`: an unanchored search), in time linear in `text`.
 * @throws InvalidPatternError when the pattern is not valid RE2
 */
export function re2Test(text: string, pattern: string): boolean {
  const compiled = compileRe2(pattern);
  if ('error' in compiled) throw new InvalidPatternError(`invalid RE2 pattern '${pattern}': ${compiled.error}`);
  return compiled.regex.test(text);
}
