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
  /**
   * Whether `find` and `test` take time linear in the text's length whatever it holds (checked by
   * test/unit/policy/hostile-detectors.test.ts, measured by bench/hostile-input.ts). The scan hands a linear
   * detector whole strings; any other detector sees long strings in overlapping windows of bounded size, so that
   * the decision budget is checked between windows and a slow pattern cannot hold a decision (see `scanText`).
   */
  readonly linear?: boolean;
  /**
   * A cheap test shared by a family of detectors (the secret catalog): false means that no detector of the family
   * can match `text`, so a scan skips them all after one test. It must hold wherever any of them matches
   * (test/unit/policy/detector-gates.test.ts checks it on the corpus and on generated strings).
   */
  readonly gate?: (text: string) => boolean;
  /**
   * Whether `text` matches when it is stored under `name` (a key, or a `{name, value}` pair's name): for detectors
   * whose evidence is the name (`{"DB_PASSWORD": "..."}`). The scan asks it of every string it reaches by a key.
   */
  readonly named?: (name: string, text: string) => boolean;
  /**
   * Whether an array of strings matches as a whole, as an argument vector (`["rm", "-rf", "/"]`, the command form
   * of OpenAI's shell tools): each word alone says nothing. The scan asks it of every array of 1 to 256 strings.
   */
  readonly argv?: (words: readonly string[]) => boolean;
  /** Every match in `text`, in order, non-overlapping. */
  find(text: string): DetectorMatch[];
  /** Whether `text` has at least one match; cheaper than `find` where it can be. */
  test(text: string): boolean;
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
  /**
   * A filter of whole matches (`text` from `start` to `end`): a rejected match is dropped and the search goes on
   * after it, never inside it, so a pattern with unbounded runs stays linear however many matches it rejects.
   */
  keep?: (text: string, start: number, end: number) => boolean;
  /** Set only for a pattern that cannot backtrack super-linearly (see {@link Detector.linear}). */
  linear?: boolean;
}): Detector {
  const { name, group, pattern, prefilter, validate, keep, linear } = options;
  if (!pattern.global) throw new Error(`detector '${name}': pattern needs the g flag`);
  // One instance, reset before each use: evaluation is synchronous, so no two scans share it at once.
  const regex = new RegExp(pattern.source, pattern.flags);
  /** Adds every kept match to `out`, or without `out` stops at the first: whether any was kept. */
  const scan = (text: string, out?: DetectorMatch[]): boolean => {
    if (prefilter && !prefilter(text)) return false;
    let kept = false;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      if (validate && !validate(m[0])) {
        // A rejected candidate may hide a valid one that starts inside it.
        regex.lastIndex = m.index + 1;
        continue;
      }
      const end = m.index + m[0].length;
      if (keep && !keep(text, m.index, end)) continue;
      if (!out) return true;
      kept = true;
      out.push({ start: m.index, end });
    }
    return kept;
  };
  const find = (text: string): DetectorMatch[] => {
    const matches: DetectorMatch[] = [];
    scan(text, matches);
    return matches;
  };
  const test =
    validate || keep
      ? (text: string): boolean => scan(text)
      : (text: string): boolean => {
          if (prefilter && !prefilter(text)) return false;
          regex.lastIndex = 0;
          return regex.test(text);
        };
  return linear ? { name, group, linear, find, test } : { name, group, find, test };
}
