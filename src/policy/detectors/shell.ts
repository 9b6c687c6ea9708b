import type { Detector, DetectorMatch } from './detector';

const dangerousTargets =
  /^(?:\/+\*?|~\/?\*?|\*|\.\/?\*?|\$HOME\/?\*?|\/+(?:bin|boot|dev|etc|home|lib|lib64|opt|proc|root|sbin|srv|sys|usr|var)\/*\*?)$/;

// A command runs from here to the next separator; each entry names a catastrophic shape.
const patterns: RegExp[] = [
  /\bmkfs(?:\.[a-z0-9]+)?\b[^;&|\n]*/g,
  /\bdd\b[^;&|\n]*\bof=\/dev\/(?!null\b|zero\b|stdout\b|stderr\b|tty\b)[^\s;&|]+/g,
  /:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/g,
  /\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+)?(?:env\s+)?(?:ba|z|k|da|fi)?sh\b/g,
  />\s*\/dev\/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d+n\d+|disk\d+|mmcblk\d+)\b/g,
  /\bchmod\s+(?:-[a-zA-Z]*R[a-zA-Z]*\s+)0?777\s+\/(?=\s|$|;|&|\|)/g,
  /\brm\b[^;&|\n]*--no-preserve-root[^;&|\n]*/g,
];

const rmCommand = /\brm\s+([^;&|\n]*)/g;

function dangerousRm(args: string): boolean {
  let recursive = false;
  let dangerousTarget = false;
  for (const token of args.trim().split(/\s+/)) {
    const unquoted = token.replace(/^["']|["']$/g, '');
    if (unquoted === '--recursive') recursive = true;
    else if (/^-[a-zA-Z]+$/.test(unquoted) && /[rR]/.test(unquoted)) recursive = true;
    else if (!unquoted.startsWith('-') && dangerousTargets.test(unquoted)) dangerousTarget = true;
  }
  return recursive && dangerousTarget;
}

/**
 * Shell commands that destroy a machine: recursive `rm` of `/`, `~`, `*` or a system directory, `mkfs`,
 * `dd` onto a device, fork bombs, piping a download into a shell, writing to a raw disk, `chmod -R 777 /`.
 */
export const dangerousShellDetector: Detector = {
  name: 'dangerous_shell',
  group: 'shell',
  find(text) {
    const matches: DetectorMatch[] = [];
    const rm = rmCommand;
    rm.lastIndex = 0;
    for (let m = rm.exec(text); m !== null; m = rm.exec(text)) {
      if (dangerousRm(m[1] ?? '')) matches.push({ start: m.index, end: m.index + m[0].length });
    }
    for (const regex of patterns) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        matches.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    return mergeOverlapping(matches);
  },
  test(text) {
    return this.find(text).length > 0;
  },
};

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
export const shellDetectors: Detector[] = [dangerousShellDetector];
