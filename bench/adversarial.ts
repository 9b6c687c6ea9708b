/**
 * Adversarial strings for detectors and conditions: each repeats a prefix of some pattern's alphabet (the shape
 * that makes a backtracking pattern re-scan the rest of the text from every position), then ends with a
 * character that completes no match. Shared by the hostile-input benchmark and the detector hang tests.
 */

/** Repeated units: single characters of each class, digits with separators, and the starts of known patterns. */
export const ADVERSARIAL_UNITS: readonly string[] = [
  'a',
  '1',
  ' ',
  '-',
  '.',
  '@',
  '_',
  '/',
  'a@',
  'a.',
  'a@a.',
  '1 ',
  '1-',
  '11 ',
  '123-45-',
  '(555) ',
  '+1 ',
  'DE89 ',
  'eyJ',
  'eyJ-',
  'eyJa.',
  'AKIA',
  'Bearer ',
  'ghp_',
  '-----BEGIN ',
  'rm ',
  'rm -',
  'dd ',
  'curl ',
  ':(){ ',
  'drop table ',
  'delete from x ',
  'select ',
  // Shell: nesting of substitutions, subshells and groups, long pipelines and lists, quotes and escapes,
  // here-documents, and shells that run strings (each level is parsed again).
  '$(',
  '(',
  '{ ',
  '`',
  '"',
  "'",
  '\\',
  '\\"',
  'a | ',
  'a && ',
  '"$(a)"',
  'cat <<EOF | sh\n',
  '<<a ',
  'bash -c "',
  "sh -c 'sh -c ",
  'eval ',
  'echo eA== | base64 -d | sh | ',
  'find . -exec ',
  'xargs ',
  // SQL: OR chains, comments, unterminated strings and identifiers, dollar quotes, stacked statements.
  ' OR 1=1',
  'DELETE FROM t WHERE a=1 OR ',
  'UPDATE t SET a=1 WHERE ',
  '/*',
  '/* x */',
  '-- x\n',
  "x' OR '",
  '[',
  '$a$',
  'drop table x; ',
  // Secrets: repeated prefixes of catalogued formats.
  'sk-ant-',
  'sk-ant-api03-',
  'sk-proj-',
  'glpat-',
  'xoxb-',
  'eyJ.',
  'eyJhbGciOiJI.',
  '-----BEGIN PRIVATE KEY-----',
  'password=',
  'password: ',
  'api_key=',
  // Egress and URL credentials: long URLs, many '@' and ':', brackets.
  'http://',
  'http://a',
  'http://a:b@',
  'http://a@',
  'http://[',
  'http://[::1]',
  '://@',
  ':@',
  '[::',
];

/** Flat (not a rope): as a string read from JSON, the way every tool input arrives. */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * `unit` repeated to `length` characters, ending with `end` (`!` by default; another character gives a string of
 * the same cost that no per-string memo has seen, for timing a run again).
 */
export function adversarialString(unit: string, length: number, end = '!'): string {
  return flat(unit.repeat(Math.ceil(length / unit.length)).slice(0, length - 1) + end);
}

/** One adversarial string of `length` characters per unit. */
export function adversarialStrings(length: number): { unit: string; text: string }[] {
  return ADVERSARIAL_UNITS.map((unit) => ({ unit, text: adversarialString(unit, length) }));
}
