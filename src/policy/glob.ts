/**
 * Compiles tool name patterns into one matcher. Plain names are looked up in a set; globs (`*` any run of
 * characters, `?` one character) are joined into a single anchored regular expression.
 */
export function compileToolMatcher(patterns: readonly string[]): (tool: string) => boolean {
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (pattern === '*') return () => true;
    if (/[*?]/.test(pattern)) globs.push(globToSource(pattern));
    else exact.add(pattern);
  }
  if (globs.length === 0) return (tool) => exact.has(tool);
  const regex = new RegExp(`^(?:${globs.join('|')})$`);
  return (tool) => exact.has(tool) || regex.test(tool);
}

function globToSource(glob: string): string {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return source;
}
