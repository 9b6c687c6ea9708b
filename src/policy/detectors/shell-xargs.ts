import type { ShellCommand, ShellWord } from './shell-parse';
import { literalOutput } from './shell-parse';

/** What `xargs` or `parallel` runs: the command with the arguments known before it runs, and where others come from. */
export interface ArgumentRun {
  /** The command run, followed by the arguments that can be known (literal output, `:::` lists, listed trees). */
  words: ShellWord[];
  /** Where arguments come from that cannot be known (a file, `cat`'s output, a download); undefined when none do. */
  opaqueSource?: string;
}

/** Commands whose arguments are what they destroy or change: fed unknown arguments, they need a human. */
const destructive = new Set([
  'rm',
  'unlink',
  'rmdir',
  'srm',
  'shred',
  'wipe',
  'truncate',
  'dd',
  'mv',
  'chmod',
  'chown',
  'chgrp',
  'chattr',
  'setfacl',
  'mkfs',
  'wipefs',
]);

/** Whether `name` destroys or changes what its arguments name (`rm`, `shred`, `chmod`, `mkfs.ext4`, ...). */
export function destroysArguments(name: string): boolean {
  return destructive.has(name) || /^mkfs\./.test(name);
}

/** Commands that print paths under the trees they are given: their output is files there, not arbitrary data. */
const listers = new Set(['ls', 'find', 'fd', 'fdfind', 'locate', 'echo', 'printf']);

const word = (value: string, from?: ShellWord): ShellWord => ({
  value,
  dynamic: from?.dynamic ?? false,
  glob: value.endsWith('*'),
  substitutions: [],
});

/**
 * Reads an `xargs` or `parallel` command line: skips its options, takes `:::` argument lists (parallel), and
 * follows standard input (the last `<`, here-document or here-string wins, else the pipeline) to what it hands
 * the command. Linear in the words.
 * @param nameOf - the command name of a word (`/bin/rm` is `rm`), undefined when only known at run time
 */
export function argumentRun(
  name: 'xargs' | 'parallel',
  args: ShellWord[],
  command: ShellCommand,
  nameOf: (word: ShellWord | undefined) => string | undefined,
): ArgumentRun {
  const values = args.map((w) => w.value);
  let opaqueSource: string | undefined;
  let i = 0;
  const valued = name === 'xargs' ? /^-[IdEnLPsa]$/ : /^-[jNSIadX]$|^--(?:jobs|sshlogin|arg-file|delimiter)$/;
  while (i < args.length && /^-/.test(values[i] ?? '') && values[i] !== ':::' && values[i] !== '::::') {
    const value = values[i] as string;
    if (value === '-a' || value === '--arg-file') opaqueSource = `the file ${values[i + 1] ?? ''}`;
    else if (value.startsWith('--arg-file=')) opaqueSource = `the file ${value.slice(11)}`;
    i += valued.test(value) ? 2 : 1;
  }
  let end = args.length;
  const listed: ShellWord[] = [];
  if (name === 'parallel') {
    const sep = values.findIndex((v, at) => at >= i && (v === ':::' || v === '::::' || v === ':::+' || v === '::::+'));
    if (sep >= 0) {
      end = sep;
      let fromFiles = false;
      for (const w of args.slice(sep)) {
        if (/^::::?\+?$/.test(w.value)) fromFiles = w.value.startsWith('::::');
        else if (fromFiles) opaqueSource = `the file ${w.value}`;
        else listed.push(w);
      }
      // Arguments given on the command line: standard input is not read.
      return { words: [...args.slice(i, end), ...listed], ...(opaqueSource ? { opaqueSource } : {}) };
    }
  }
  const input = opaqueSource ? { words: [] } : stdinArguments(command, nameOf);
  return {
    words: [...args.slice(i, end), ...input.words],
    ...((opaqueSource ?? input.opaqueSource) ? { opaqueSource: opaqueSource ?? input.opaqueSource } : {}),
  };
}

/** The arguments standard input holds: known words, or where the unknown ones come from. */
function stdinArguments(
  command: ShellCommand,
  nameOf: (word: ShellWord | undefined) => string | undefined,
): { words: ShellWord[]; opaqueSource?: string } {
  // The last redirection of standard input wins (`xargs rm < list <<< /` reads `/`).
  for (let r = command.redirects.length - 1; r >= 0; r--) {
    const redirect = command.redirects[r];
    if (!redirect) continue;
    if (redirect.body !== undefined) {
      if (/[$`]/.test(redirect.body) || (redirect.op === '<<<' && redirect.target.dynamic))
        return { words: [], opaqueSource: 'a here-document made at run time' };
      return { words: splitWords(redirect.body) };
    }
    if (redirect.op === '<' || redirect.op === '<&')
      return { words: [], opaqueSource: `the file ${redirect.target.value}` };
  }
  const last = command.upstream[command.upstream.length - 1];
  if (!last) return { words: [], opaqueSource: 'standard input' };
  const name = nameOf(last.words[0]);
  const literal = literalOutput(last);
  if (literal !== undefined) return { words: splitWords(literal) };
  if (name !== undefined && (listers.has(name) || listsFiles(name, last))) return { words: listedPaths(name, last) };
  return { words: [], opaqueSource: `the output of ${name ?? 'a command named at run time'}` };
}

/** `git ls-files`, `grep -l`: commands that print names of files in the working tree. */
function listsFiles(name: string, command: ShellCommand): boolean {
  const values = command.words.slice(1).map((w) => w.value);
  if (name === 'git') return values[0] === 'ls-files' || (values[0] === 'diff' && values.includes('--name-only'));
  if (name === 'grep' || name === 'rg' || name === 'egrep') {
    return values.some((v) => /^-[a-zA-Z]*[lL][a-zA-Z]*$|^--files(?:-with(?:out)?-matches)?$/.test(v));
  }
  return false;
}

/** What a lister hands on that can be judged: `DIR/*` for an unfiltered `ls DIR`, `DIR` for an unfiltered `find DIR`. */
function listedPaths(name: string, last: ShellCommand): ShellWord[] {
  const rest = last.words.slice(1).filter((w) => !/^-/.test(w.value));
  if (name === 'ls') {
    return (rest.length > 0 ? rest : [word('.')]).map((w) => word(`${w.value.replace(/\/$/, '')}/*`, w));
  }
  if (
    name === 'find' &&
    !last.words.some((w) => /^-(?:i?name|i?path|type|newer|[acm]time|size|regex)$/.test(w.value))
  ) {
    return rest.slice(0, 1).map((w) => word(w.value, w));
  }
  return [];
}

function splitWords(text: string): ShellWord[] {
  return text
    .split(/\s+/)
    .filter((part) => part !== '')
    .slice(0, 256)
    .map((part) => word(part));
}
