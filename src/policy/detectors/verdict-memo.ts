/**
 * A bounded memo of recent verdicts per string, shared by the shell and SQL detectors: agents repeat the same
 * commands and queries (`git status`, `npm test`, the same lookup), and a parse costs micro-seconds where a hit
 * costs a map lookup. Bounded in entries and in key length, so it can neither grow nor hold large inputs.
 */

/** Strings longer than this are judged every time, never kept. */
export const maxMemoKeyLength = 2048;
let capacity = 1024;
const memos: Map<string, unknown>[] = [];

/** A memo for one kind of verdict; `key` must include everything the verdict depends on (e.g. the dialect). */
export function verdictMemo<V>(): { get(key: string, compute: () => V): V; known(key: string): V | undefined } {
  const entries = new Map<string, V>();
  memos.push(entries as Map<string, unknown>);
  return {
    known: (key) => (capacity === 0 || key.length > maxMemoKeyLength ? undefined : entries.get(key)),
    get(key, compute) {
      if (capacity === 0 || key.length > maxMemoKeyLength) return compute();
      const known = entries.get(key);
      if (known !== undefined) return known;
      const verdict = compute();
      // Oldest first out: a Map iterates in insertion order.
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(key, verdict);
      return verdict;
    },
  };
}

/**
 * Sets how many verdicts each memo keeps (0 turns memos off, as the benchmark does to measure cold decisions)
 * and empties them.
 * @default 1024
 */
export function setVerdictMemoSize(entries: number): void {
  capacity = Math.max(0, Math.floor(entries));
  for (const memo of memos) memo.clear();
}
