import type { DetectorMatch } from './detector';
import type { GradedDetector } from './levels';
import { classifyShell, type ShellLevel, type ShellVerdict } from './shell-classify';
import { verdictMemo } from './verdict-memo';

const memo = verdictMemo<ShellVerdict>();
let lastText: string | undefined;
let lastVerdict: ShellVerdict = { reasons: [] };

/**
 * The verdict on `text`: the three shell detectors judge it once (the last string is kept), and recent strings
 * are remembered in a bounded memo (verdict-memo.ts).
 */
export function shellVerdict(text: string): ShellVerdict {
  if (text !== lastText) {
    lastVerdict = memo.get(text, () => classifyShell(text));
    lastText = text;
  }
  return lastVerdict;
}

function levelDetector(name: string, level: ShellLevel, graded: GradedDetector['level']): GradedDetector {
  const test = (text: string): boolean => shellVerdict(text).level === level;
  // Linear and judged whole (never windowed: a window boundary would cut a command in two); over
  // maxShellLength the verdict is `unparseable` without parsing, so the rule's onUnparseable decides.
  return {
    name,
    group: 'shell',
    linear: true,
    ...(graded ? { level: graded } : {}),
    test,
    find: (text: string): DetectorMatch[] => (test(text) ? [{ start: 0, end: text.length }] : []),
    // An argument vector runs its words as they are: each is quoted, so the shell's syntax in a word stays data.
    argv: (words) => test(words.map(quoteWord).join(' ')),
  };
}

/** A word in single quotes; a single quote inside it is closed, escaped and reopened. */
function quoteWord(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * Commands that destroy or give away a machine, found by parsing the command (pipelines, lists, subshells,
 * substitutions, `sh -c` / `eval` strings, `xargs`, `find -exec`) after quote removal: recursive deletes of `/`,
 * home or system trees, disk and filesystem tools, recursive permission changes of system trees, fork bombs,
 * downloads piped into a shell or interpreter, reverse shells, credential files sent over the network.
 */
export const dangerousShellDetector = levelDetector('dangerous_shell', 'danger', undefined);

/**
 * Commands that need a human: data piped into a shell (decoded or not), code made at run time (`bash -c
 * "$(...)"`, a command name from a variable), `rm -rf "$DIR"/` where DIR may be empty, forced pushes,
 * infrastructure teardown. Takes at most `escalate`, whatever the rule's action.
 */
export const suspiciousShellDetector = levelDetector('suspicious_shell', 'suspicious', 'suspicious');

/** Commands that do not parse or are longer than 64 KiB: the rule's `onUnparseable` decides (default escalate). */
export const unparseableShellDetector = levelDetector('unparseable_shell', 'unparseable', 'unparseable');

/** Sorts matches and merges the overlapping ones, so that redaction replaces each span once. */
export function mergeOverlapping(matches: DetectorMatch[]): DetectorMatch[] {
  if (matches.length < 2) return matches;
  const sorted = [...matches].sort((a, b) => a.start - b.start);
  const merged: DetectorMatch[] = [{ ...(sorted[0] as DetectorMatch) }];
  for (const match of sorted.slice(1)) {
    const last = merged[merged.length - 1] as DetectorMatch;
    if (match.start < last.end) last.end = Math.max(last.end, match.end);
    else merged.push({ ...match });
  }
  return merged;
}

/** Every shell detector. */
export const shellDetectors: GradedDetector[] = [
  dangerousShellDetector,
  suspiciousShellDetector,
  unparseableShellDetector,
];
