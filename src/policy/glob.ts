/**
 * Compiles tool name patterns into one matcher. Plain names are looked up in a set; globs (`*` any run of
 * characters, `?` one character) are matched by {@link globMatch}, in time bounded by name length times pattern length.
 */
export function compileToolMatcher(patterns: readonly string[]): (tool: string) => boolean {
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (pattern === '*') return () => true;
    if (/[*?]/.test(pattern)) globs.push(pattern);
    else exact.add(pattern);
  }
  if (globs.length === 0) return (tool) => exact.has(tool);
  return (tool) => exact.has(tool) || globs.some((glob) => globMatch(glob, tool));
}

/**
 * Whether `text` matches the whole `glob`. Greedy with one remembered star, never backtracking further: a
 * regular expression of `.*` runs would backtrack polynomially on a long hostile tool name.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const char = glob[g];
    if (char === '*') {
      star = g++;
      resume = t;
    } else if (g < glob.length && (char === '?' || char === text[t])) {
      g++;
      t++;
    } else if (star >= 0) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}
