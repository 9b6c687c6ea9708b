/** A span of text that a detector recognised. */
export interface DetectorMatch {
  start: number;
  end: number;
}

/** A built-in detector: finds sensitive or dangerous spans in one string. */
export interface Detector {
  /** Name used in policies and in `[REDACTED:<name>]`. */
  readonly name: string;
  /** Group name that selects every detector of its kind (`pii`, `secrets`, `shell`, `sql`). */
  readonly group: string;
  /** Every match in `text`, in order, non-overlapping. */
  find(text: string): DetectorMatch[];
}

/**
 * Builds a detector from a global regular expression and an optional validator of each candidate
 * (a checksum, a format rule). `prefilter` cheaply rules out strings that cannot match.
 */
export function regexDetector(options: {
  name: string;
  group: string;
  pattern: RegExp;
  prefilter?: (text: string) => boolean;
  validate?: (candidate: string) => boolean;
}): Detector {
  const { name, group, pattern, prefilter, validate } = options;
  if (!pattern.global) throw new Error(`detector '${name}': pattern needs the g flag`);
  return {
    name,
    group,
    find(text) {
      if (prefilter && !prefilter(text)) return [];
      const matches: DetectorMatch[] = [];
      const regex = new RegExp(pattern.source, pattern.flags);
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        if (!validate || validate(m[0])) matches.push({ start: m.index, end: m.index + m[0].length });
        // A rejected candidate may hide a valid one that starts inside it.
        else regex.lastIndex = m.index + 1;
      }
      return matches;
    },
  };
}
