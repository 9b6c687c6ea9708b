import type { ShellCommand, ShellWord } from './shell-parse';
import { readerWork } from './reader-work';
import { parseShell, ShellSyntaxError } from './shell-parse';
import { judgeDatabaseClient, judgeEnvironment, judgeWindows, windowsCommand } from './shell-programs';
import { argumentRun, destroysArguments } from './shell-xargs';

/** How bad a command is: `danger` stops it, `suspicious` needs a human, `unparseable` follows the rule. */
export type ShellLevel = 'danger' | 'suspicious' | 'unparseable';

/** The verdict on one string: the worst level found and why. */
export interface ShellVerdict {
  level?: ShellLevel;
  reasons: string[];
}

/** Longer commands are not parsed: the rule's `onUnparseable` choice applies. */
export const maxShellLength = 64 * 1024;
const maxNesting = 4;

const shells = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh']);
// Multi-call binaries: `busybox rm -rf /` runs `rm`.
const multiCall = new Set(['busybox', 'toybox']);
const awks = new Set(['awk', 'gawk', 'mawk', 'nawk', 'busybox-awk']);
const interpreters = new Set(['python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'Rscript']);
const fetchers = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'lwp-download', 'Invoke-WebRequest']);
const senders = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'scp',
  'sftp',
  'ftp',
  'rsync',
  'ssh',
  // Cloud storage and gist uploads, and DNS lookups that carry data in the name they look up.
  'aws',
  'gsutil',
  'rclone',
  'az',
  'gh',
  'nslookup',
  'dig',
  'host',
  'drill',
]);
const wrappers = new Set([
  'sudo',
  'doas',
  'nice',
  'nohup',
  'time',
  'command',
  'builtin',
  'exec',
  'stdbuf',
  'ionice',
  'chrt',
  'setsid',
  'unbuffer',
  'strace',
  'ltrace',
  'torsocks',
  'proxychains',
  'proxychains4',
  'caffeinate',
  'flock',
]);
const diskTools = new Set([
  'mkfs',
  'mke2fs',
  'mkswap',
  'wipefs',
  'fdisk',
  'sfdisk',
  'cfdisk',
  'gdisk',
  'sgdisk',
  'parted',
  'blkdiscard',
  'shred',
  'hdparm',
  'badblocks',
  'pvremove',
  'vgremove',
  'lvremove',
  'mdadm',
  'fsck',
  'e2fsck',
  'tune2fs',
  'debugfs',
]);
const powerTools = new Set(['shutdown', 'reboot', 'halt', 'poweroff', 'killall5']);
// Tools whose output is shell code meant for `eval "$(...)"` (`ssh-agent -s`, `pyenv init -`, `brew shellenv`).
const shellSetupTools =
  /^(?:ssh-agent|pyenv|rbenv|nodenv|goenv|jenv|direnv|brew|starship|zoxide|fnm|mise|rtx|opam|dircolors|keychain|conda|mamba|micromamba|thefuck|gpg-agent|luarocks|register-python-argcomplete|kubectl|helm|gh)$/;
// Files an attacker erases to hide what was done (auth logs, login records, the audit trail).
const systemLogs =
  /^\/var\/log\/(?:auth\.log|syslog|secure|messages|wtmp|btmp|lastlog|kern\.log|audit(?:\/.*)?|journal(?:\/.*)?)$/;
const systemDirs = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'home',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'opt',
  'proc',
  'root',
  'sbin',
  'srv',
  'sys',
  'usr',
  'var',
  'mnt',
  'media',
  'snap',
  'run',
  'System',
  'Users',
  'Library',
  'Applications',
  'private',
]);
const criticalFiles =
  /^\/(?:etc\/(?:passwd|shadow|group|gshadow|sudoers(?:\.d(?:\/.*)?)?|fstab|hosts|ssh\/sshd_config|pam\.d(?:\/.*)?|ld\.so\.preload|crontab)|boot(?:\/.*)?|bin\/[^/]+|sbin\/[^/]+|usr\/s?bin\/[^/]+|lib(?:64)?\/[^/]+|proc\/sysrq-trigger|proc\/sys\/kernel\/[^/]+|sys\/firmware\/efi\/efivars(?:\/.*)?)$/;
const credentialPath =
  /(?:^|\/)(?:\.ssh\/(?:id_[a-z0-9]+|[^/]*_key|authorized_keys|known_hosts)?$|\.ssh\/?$|\.aws(?:\/(?:credentials|config))?$|\.netrc$|\.git-credentials$|\.npmrc$|\.pypirc$|\.docker\/config\.json$|\.kube\/config$|\.gnupg(?:\/.*)?$|\.config\/gcloud(?:\/.*)?$|\.azure(?:\/.*)?$|\.env(?:\.[a-z]+)?$|credentials\.json$|[^/]*\.pem$|[^/]*\.key$|id_rsa$|id_ed25519$|id_ecdsa$|\.bash_history$|\.zsh_history$|etc\/shadow$|etc\/gshadow$|proc\/(?:self|\d+)\/environ$|\.vault-token$|\.config\/gh\/hosts\.yml$|\.terraform\.d\/credentials\.tfrc\.json$)/;

/** Classifies a shell command string: parses it and judges every command it would run. */
export function classifyShell(text: string): ShellVerdict {
  if (text.length > maxShellLength) return { level: 'unparseable', reasons: ['command too long to parse'] };
  const verdict: ShellVerdict = { reasons: [] };
  analyse(text, 0, verdict);
  return verdict;
}

function analyse(text: string, nesting: number, verdict: ShellVerdict): void {
  let commands: ShellCommand[];
  let functions: Set<string>;
  // Each parse reads its text once (a string run by `sh -c` or `eval` is parsed again, to a bounded nesting).
  readerWork.steps += text.length;
  try {
    ({ commands, functions } = parseShell(text));
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    raise(verdict, 'unparseable', `does not parse: ${error.message}`);
    return;
  }
  // Files a fetcher writes (`curl -o /tmp/u URL`): running one later in the same text runs downloaded code.
  const downloaded = new Set<string>();
  for (const command of commands) {
    readerWork.steps += 1 + command.words.length + command.redirects.length + command.upstream.length;
    judge(command, functions, nesting, verdict);
    const first = command.words[0]?.value ?? '';
    if (downloaded.size === 0 && !fetchers.has(first) && !wrappers.has(first) && !first.includes('/')) continue;
    const words = unwrap(command.words);
    const name = baseName(words[0]);
    const run = name !== undefined && (shells.has(name) || interpreters.has(name)) ? words[1] : words[0];
    if (run && downloaded.has(run.value.replace(/^\.\//, ''))) {
      raise(verdict, 'danger', `remote code: runs ${run.value}, which it downloaded`);
    }
    if (name !== undefined && fetchers.has(name)) {
      for (const file of outputFiles(words.slice(1))) downloaded.add(file.replace(/^\.\//, ''));
    }
  }
}

/** The files a fetcher's options write: `-o FILE`, `-sSLo FILE`, `--output FILE`, wget's `-O FILE`. */
function outputFiles(args: ShellWord[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value ?? '';
    const next = args[i + 1]?.value;
    if (/^-[a-zA-Z]*[oO]$|^--output(?:-document)?$/.test(value) && next !== undefined && next !== '-') files.push(next);
    else if (/^--output(?:-document)?=/.test(value)) files.push(value.slice(value.indexOf('=') + 1));
  }
  return files;
}

const rank: Record<ShellLevel, number> = { unparseable: 1, suspicious: 2, danger: 3 };

function raise(verdict: ShellVerdict, level: ShellLevel, reason: string): void {
  if (verdict.reasons.length < 8) verdict.reasons.push(reason);
  if (verdict.level === undefined || rank[level] > rank[verdict.level]) verdict.level = level;
}

/** The command name without its directory: `/usr/bin/rm` and `\rm` are `rm`. */
function baseName(word: ShellWord | undefined): string | undefined {
  if (!word) return undefined;
  const value = word.value;
  const slash = value.lastIndexOf('/');
  const base = slash >= 0 ? value.slice(slash + 1) : value;
  if (word.dynamic && (slash < 0 || base === '')) return undefined;
  return base.replace(/\.exe$/i, '');
}

/** Drops `sudo -u x`, `env A=1`, `timeout 5`, `nice -n 5` ... so that the real command comes first. */
function unwrap(words: ShellWord[]): ShellWord[] {
  let rest = words;
  for (let guard = 0; guard < 16 && rest.length > 0; guard++) {
    // An assignment whose value is made at run time (`PGPASSWORD="$(cat f)" psql`) only sets the command's variable.
    if (rest[0]?.dynamic && /^[A-Za-z_]\w*=/.test(rest[0].value) && rest.length > 1) {
      rest = rest.slice(1);
      continue;
    }
    const name = baseName(rest[0]);
    if (name === undefined) return rest;
    if (multiCall.has(name)) {
      rest = rest.slice(1);
    } else if (name === 'env') {
      let i = 1;
      while (i < rest.length && (/^-/.test(rest[i]?.value ?? '') || /^[A-Za-z_]\w*=/.test(rest[i]?.value ?? ''))) {
        if (/^-(?:u|C|S|-unset|-chdir)$/.test(rest[i]?.value ?? '')) i++;
        i++;
      }
      rest = rest.slice(i);
    } else if (name === 'timeout' || name === 'watch') {
      let i = 1;
      while (i < rest.length && /^-/.test(rest[i]?.value ?? '')) i += /^-[sknd]$/.test(rest[i]?.value ?? '') ? 2 : 1;
      rest = rest.slice(name === 'timeout' ? i + 1 : i);
    } else if (wrappers.has(name)) {
      let i = 1;
      while (i < rest.length && /^-/.test(rest[i]?.value ?? '')) {
        i += /^-(?:[ugCnpcoeDhrtT]|-user|-group|-chdir)$/.test(rest[i]?.value ?? '') ? 2 : 1;
      }
      rest = rest.slice(i);
    } else {
      return rest;
    }
  }
  return rest;
}

function judge(command: ShellCommand, functions: Set<string>, nesting: number, verdict: ShellVerdict): void {
  for (const redirect of command.redirects) judgeRedirect(redirect.op, redirect.target, verdict);
  const words = unwrap(command.words);
  const first = words[0];
  if (!first) return;
  const name = baseName(first);
  if (name === undefined) {
    raise(verdict, 'suspicious', 'runs a command whose name is only known at run time');
    return;
  }
  if (first.glob && name !== '[' && name !== '[[')
    raise(verdict, 'suspicious', `runs a command named by a glob (${first.value})`);
  if (functions.has(name) && command.inFunction === name && command.background) {
    raise(verdict, 'danger', `fork bomb: function ${name} starts itself in the background`);
  }
  const args = words.slice(1);
  const values = args.map((w) => w.value);
  const stdin = stdinOf(command);

  if (shells.has(name) || name === 'eval' || name === 'source' || name === '.') {
    judgeShell(name, args, command, stdin, nesting, verdict);
    return;
  }
  if (interpreters.has(name)) {
    judgeInterpreter(name, args, stdin, nesting, verdict);
    return;
  }
  if (awks.has(name)) {
    // The program is the first operand (after -F SEP, -v VAR=VALUE, -f FILE): its system() calls run shell code.
    let i = 0;
    while (i < args.length && /^-/.test(values[i] ?? '')) i += /^-[Fvf]$/.test(values[i] ?? '') ? 2 : 1;
    const program = args[i];
    if (program) judgeEmbeddedShell(name, program.value, nesting, verdict);
    return;
  }
  if (name === 'su' || name === 'runuser') {
    // `su [-] [user] -c CMD`: the command runs in the user's shell.
    const flag = values.findIndex((v) => /^-(?:[a-z]*c|-command)$/.test(v));
    const inline = values.find((v) => v.startsWith('--command='));
    if (flag >= 0) judgeCode(args.slice(flag + 1, flag + 2), nesting, verdict, `${name} runs`);
    else if (inline !== undefined)
      judgeCode([{ ...(args[0] as ShellWord), value: inline.slice(10) }], nesting, verdict, `${name} runs`);
    return;
  }
  if (name === 'xargs' || name === 'parallel') {
    const run = argumentRun(name, args, command, baseName);
    const inner = baseName(run.words[0]);
    if (run.opaqueSource !== undefined && inner !== undefined) {
      if (destroysArguments(inner))
        raise(verdict, 'suspicious', `${name} hands ${inner} arguments from ${run.opaqueSource}`);
      else if (shells.has(inner) || interpreters.has(inner) || inner === 'eval') {
        raise(verdict, 'suspicious', `${name} runs ${inner} on input from ${run.opaqueSource}`);
      }
    }
    // `xargs xargs xargs ...` nests one level per word: bounded like `sh -c`, so neither time nor stack grows.
    if (run.words.length > 0) judgeNested({ ...command, words: run.words, redirects: [] }, functions, nesting, verdict);
    return;
  }
  if (name === 'find') {
    judgeFind(args, command, functions, nesting, verdict);
    return;
  }
  // The last few commands piped in (`iwr URL | Out-String | iex`), never the whole pipeline at every stage.
  const upstream = () => command.upstream.slice(-4).map((up) => baseName(unwrap(up.words)[0]) ?? '');
  for (const finding of judgeDatabaseClient(name, values)) raise(verdict, finding.level, finding.reason);
  if (windowsCommand(name))
    for (const finding of judgeWindows(name, values, upstream())) raise(verdict, finding.level, finding.reason);
  for (const finding of judgeEnvironment(name, args, command.upstream.length > 0))
    raise(verdict, finding.level, finding.reason);
  if (name === 'tar' && values.includes('--remove-files')) judgeRemove('tar --remove-files', args, verdict, true);
  if (name === 'rm' || name === 'unlink' || name === 'srm' || (name === 'rmdir' && !windowsCommand(name)))
    judgeRemove(name, args, verdict);
  else if (name === 'mv') judgeMove(args, verdict);
  else if (name === 'rsync' && values.some((v) => v.startsWith('--delete'))) judgeSyncDelete(name, values, verdict);
  else if (name === 'chmod' || name === 'chown' || name === 'chgrp' || name === 'setfacl' || name === 'chattr') {
    judgePermissions(name, args, verdict);
  } else if (name === 'dd') judgeDd(values, verdict);
  else if (name === 'truncate' || name === 'tee' || name === 'cp' || name === 'install' || name === 'ln') {
    // Writes over a file: `truncate -s 0 /etc/passwd`, `tee /etc/sudoers`, `cp x /etc/shadow`.
    const operands = values.filter((v) => !v.startsWith('-'));
    const written = name === 'truncate' || name === 'tee' ? operands : operands.slice(-1);
    const hit = written.find((v) => criticalFiles.test(v.replace(/\/+/g, '/')) || isBlockDevice(v));
    if (hit) raise(verdict, 'danger', `${name} overwrites the system file ${hit}`);
    const log = written.find((v) => systemLogs.test(v.replace(/\/+/g, '/')));
    if (log && name === 'truncate') raise(verdict, 'suspicious', `${name} erases the system log ${log}`);
  } else if (name === 'shred') judgeShred(args, verdict);
  else if (diskTools.has(name) || /^mkfs\./.test(name)) judgeDiskTool(name, args, verdict);
  else if (powerTools.has(name)) raise(verdict, 'danger', `stops the machine (${name})`);
  else if (name === 'init' || name === 'telinit') {
    if (values.some((v) => v === '0' || v === '6')) raise(verdict, 'danger', 'stops the machine (init)');
  } else if (name === 'systemctl') {
    if (values.some((v) => /^(?:poweroff|reboot|halt|kexec)$/.test(v))) raise(verdict, 'danger', 'stops the machine');
  } else if (name === 'kill' || name === 'pkill' || name === 'killall') {
    if (values.includes('-1') && name === 'kill') raise(verdict, 'danger', 'kills every process (kill -1)');
    else if (name === 'kill' && values.length > 0 && values[values.length - 1] === '1') {
      raise(verdict, 'danger', 'kills init (kill 1)');
    }
  } else if (name === 'nc' || name === 'ncat' || name === 'netcat') {
    if (values.some((v) => /^-(?:[a-z]*e|[a-z]*c|-exec|-sh-exec|-lua-exec)$/.test(v))) {
      raise(verdict, 'danger', `reverse shell (${name} -e)`);
    }
  } else if (name === 'socat') {
    if (values.some((v) => /^(?:exec|system):/i.test(v))) raise(verdict, 'danger', 'reverse shell (socat exec)');
  } else if (name === 'powershell' || name === 'pwsh') {
    judgePowershell(values, verdict);
  } else if (name === 'crontab' && values.includes('-r')) {
    raise(verdict, 'suspicious', 'removes every cron job (crontab -r)');
  } else if (name === 'git') {
    judgeGit(values, verdict);
  } else if (name === 'alias') {
    for (const value of values) {
      const eq = value.indexOf('=');
      if (eq > 0 && nesting < maxNesting) analyse(value.slice(eq + 1), nesting + 1, verdict);
    }
  } else {
    judgeInfrastructure(name, values, verdict);
  }
  if (name === 'ssh') judgeRemoteCommand(args, nesting, verdict);
  if (senders.has(name)) judgeExfiltration(name, args, command, verdict);
}

// ssh options that take a value (`-i key`, `-o Opt=x`, `-p 22`): the host is the first word after them.
const sshValueOptions = /^-[46AaCfGgKkMNnqsTtVvXxYy]*[BbcDEeFIiJLlmOoPpQRSWw]$/;

/** `ssh [options] host COMMAND...`: the remote command runs in the remote user's shell, judged like `sh -c`. */
function judgeRemoteCommand(args: ShellWord[], nesting: number, verdict: ShellVerdict): void {
  let i = 0;
  while (i < args.length && (args[i]?.value ?? '').startsWith('-')) i += sshValueOptions.test(args[i]!.value) ? 2 : 1;
  const code = args.slice(i + 1);
  if (code.length > 0) judgeCode(code, nesting, verdict, 'ssh runs remotely');
}

/** `shred FILE` overwrites one file (a delete); on a device, a system path or a home it destroys data. */
function judgeShred(args: ShellWord[], verdict: ShellVerdict): void {
  const operands = args.filter((w) => !w.value.startsWith('-'));
  // Files named elsewhere (`find ... | xargs shred`) may be anything.
  if (operands.length === 0) raise(verdict, 'danger', 'shred of files named by its input');
  for (const word of operands) {
    const { target } = targetOf(word);
    if (/^\/dev\//.test(word.value) || (target !== undefined && target !== 'cwd')) {
      raise(verdict, 'danger', `shred destroys ${word.value}`);
      return;
    }
    if (word.dynamic || word.glob)
      raise(verdict, 'suspicious', `shred of a path known only at run time (${word.value})`);
  }
}

/** What feeds this command's standard input: upstream commands and here-documents. */
function stdinOf(command: ShellCommand): { commands: ShellCommand[]; bodies: string[] } {
  const bodies = command.redirects.flatMap((r) => (r.body !== undefined ? [r.body] : []));
  const fromFile = command.redirects.find((r) => r.op === '<');
  if (fromFile) {
    return { commands: fromFile.target.substitutions, bodies };
  }
  return { commands: command.upstream, bodies };
}

function judgeShell(
  name: string,
  args: ShellWord[],
  command: ShellCommand,
  stdin: { commands: ShellCommand[]; bodies: string[] },
  nesting: number,
  verdict: ShellVerdict,
): void {
  let code: ShellWord[] | undefined;
  let script: ShellWord | undefined;
  if (name === 'eval' && args.length > 0 && args.every(setsUpShell)) return;
  if (name === 'eval') code = args;
  else if (name === 'source' || name === '.') script = args[0];
  else {
    let i = 0;
    while (i < args.length) {
      const value = args[i]?.value ?? '';
      if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(value) && !(args[i]?.dynamic ?? false)) {
        code = args.slice(i + 1, i + 2);
        break;
      }
      if (/^[-+]/.test(value) && !(args[i]?.dynamic ?? false)) {
        i += /^-[oO]$/.test(value) ? 2 : 1;
        continue;
      }
      script = args[i];
      break;
    }
  }
  if (code !== undefined) {
    judgeCode(code, nesting, verdict, `${name} runs`);
    return;
  }
  if (script !== undefined) {
    if (script.substitutions.some(fetches)) raise(verdict, 'danger', `${name} runs a downloaded script`);
    else if (script.dynamic && script.substitutions.length > 0) {
      raise(verdict, 'suspicious', `${name} runs a script made at run time`);
    }
    return;
  }
  // No script and no -c: the shell runs whatever arrives on standard input.
  if (stdin.commands.some(fetches)) {
    raise(verdict, 'danger', `remote code: downloaded data piped into ${name}`);
    return;
  }
  for (const body of stdin.bodies) if (nesting < maxNesting) analyse(body, nesting + 1, verdict);
  if (stdin.commands.length > 0) {
    const decoded = literalPipe(stdin.commands);
    if (decoded !== undefined && nesting < maxNesting) analyse(decoded, nesting + 1, verdict);
    raise(verdict, 'suspicious', `data piped into ${name} is run as code`);
  }
  void command;
}

/** A word that is only the output of a shell-setup tool: `"$(ssh-agent -s)"`, `"$(pyenv init -)"`. */
function setsUpShell(word: ShellWord): boolean {
  if (word.value !== '' || word.substitutions.length !== 1) return false;
  const sub = word.substitutions[0] as ShellCommand;
  const tool = baseName(sub.words[0]);
  return sub.upstream.length === 0 && tool !== undefined && shellSetupTools.test(tool);
}

/** Code given as words (`sh -c WORD`, `eval WORDS`): parsed when literal, suspicious when made at run time. */
function judgeCode(code: ShellWord[], nesting: number, verdict: ShellVerdict, what: string): void {
  if (code.some((w) => w.substitutions.some(fetches))) {
    raise(verdict, 'danger', `remote code: ${what} downloaded code`);
    return;
  }
  const text = code.map((w) => w.value).join(' ');
  if (nesting < maxNesting) analyse(text, nesting + 1, verdict);
  else raise(verdict, 'suspicious', 'shell nested too deeply to judge');
  if (code.some((w) => w.dynamic)) raise(verdict, 'suspicious', `${what} code made at run time`);
}

/** `echo LITERAL | base64 -d` and friends: the text that reaches the shell, when it can be computed. */
function literalPipe(commands: ShellCommand[]): string | undefined {
  let data: string | undefined;
  for (const command of commands) {
    const name = baseName(command.words[0]);
    const values = command.words.slice(1).map((w) => w.value);
    if (command.words.some((w) => w.dynamic)) return undefined;
    if (name === 'echo' || name === 'printf') {
      const escapes = name === 'printf' || values.some((v) => /^-[nE]*e[nE]*$/.test(v));
      const parts = values.filter((v) => !/^-[neE]+$/.test(v));
      const text = parts.join(' ');
      data = escapes ? decodeEscapes(text) : text;
    } else if (name === 'base64' && values.some((v) => /^(?:-d|-D|--decode)$/.test(v)) && data !== undefined) {
      data = Buffer.from(data.replace(/\s+/g, ''), 'base64').toString('latin1');
    } else if (name === 'rev' && data !== undefined) {
      data = [...data.trimEnd()].reverse().join('');
    } else if (name === 'xxd' && values.includes('-r') && data !== undefined) {
      data = Buffer.from(data.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1');
    } else {
      return undefined;
    }
  }
  return data;
}

function decodeEscapes(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})|\\([0-7]{1,3})|\\n/g, (whole, hex: string, octal: string) =>
    hex ? String.fromCharCode(parseInt(hex, 16)) : octal ? String.fromCharCode(parseInt(octal, 8)) : '\n',
  );
}

function fetches(command: ShellCommand): boolean {
  const name = baseName(unwrap(command.words)[0]);
  return name !== undefined && fetchers.has(name);
}

function judgeInterpreter(
  name: string,
  args: ShellWord[],
  stdin: { commands: ShellCommand[]; bodies: string[] },
  nesting: number,
  verdict: ShellVerdict,
): void {
  const flag = args.findIndex((w) => (name === 'php' ? /^-[a-zA-Z]*r$/ : /^-[a-zA-Z]*[ceE]$/).test(w.value));
  const code = flag >= 0 ? args[flag + 1] : undefined;
  if (code) {
    if (code.substitutions.some(fetches) || (inlineFetch.test(code.value) && inlineRun.test(code.value))) {
      raise(verdict, 'danger', `remote code: ${name} runs downloaded code`);
    } else if (/\bfork\s*\(\s*\)|fork\s+while\s+fork|while\s*\(?\s*1\s*\)?\s*\{?\s*fork/.test(code.value)) {
      if (/while|for\s*\(|loop/.test(code.value)) raise(verdict, 'danger', `fork bomb in ${name}`);
    }
    treeDeletion.lastIndex = 0;
    for (let m = treeDeletion.exec(code.value), n = 0; m !== null && n < 16; m = treeDeletion.exec(code.value), n++) {
      const target = classifyPath(m[1] as string);
      if (target === 'root' || target === 'home' || target === 'system' || target === 'critical') {
        raise(verdict, 'danger', `${name} deletes ${describeTarget(target)} (${m[1] as string})`);
      }
    }
    judgeEmbeddedShell(name, code.value, nesting, verdict);
    if (reverseShell.test(code.value) && socketCode.test(code.value)) {
      raise(verdict, 'danger', `reverse shell: ${name} connects a socket to a shell`);
    }
    return;
  }
  const script = args.find((w) => !/^-/.test(w.value));
  if (script?.substitutions.some(fetches)) raise(verdict, 'danger', `remote code: ${name} runs a downloaded script`);
  else if (!script || script.value === '-') {
    if (stdin.commands.some(fetches)) raise(verdict, 'danger', `remote code: downloaded data piped into ${name}`);
  }
}

// Library calls of interpreters that delete a tree: Python's shutil.rmtree, Node's fs.rmSync, Ruby's FileUtils.rm_rf,
// Perl's File::Path remove_tree/rmtree; the first argument, when it is a literal path.
const treeDeletion =
  /\b(?:rmtree|rm_rf|rm_r|remove_tree|rmSync|rmdirSync|rimraf(?:\.sync)?|rm)\s{0,4}\(\s{0,4}['"]([^'"]{1,256})['"]/g;

// Inline programs that download (`urlopen`, `requests.get`, LWP's `get`, `Net::HTTP`, `fetch`, a URL) and run code.
const inlineFetch =
  /urlopen|urllib|requests\.(?:get|post)|httpx\.|LWP|\bget\s{0,4}\(|Net::HTTP|open-uri|\bfetch\s{0,4}\(|https?\.get|file_get_contents|curl_exec|https?:\/\//;
const inlineRun = /\b(?:exec|eval|execfile|instance_eval|system|Function)\s{0,4}\(|\beval\b/;

// Calls of interpreters and awk that hand a string to the shell: os.system("..."), execSync('...'), `...`.
const shellCall =
  /\b(?:system|popen|exec|execSync|spawnSync|call|run|check_output|check_call|Popen|getoutput|getstatusoutput|shell_exec|passthru|proc_open|qx)\s{0,4}\(\s{0,4}(?:\[\s{0,4})?(?:"([^"]{1,4096})"|'([^']{1,4096})')|`([^`]{1,4096})`/g;
const socketCode = /\bsocket\b|TCPSocket|IO::Socket|fsockopen|net\.Socket|net\.connect|\/dev\/tcp\//i;
const reverseShell = /\/bin\/(?:ba|z|da)?sh\b|\bpty\.spawn|\bdup2\b|cmd\.exe|\bspawn\(\s*['"](?:ba|z)?sh/;

/** Shell code inside an interpreter's or awk's program: each string given to a shell-running call is parsed. */
function judgeEmbeddedShell(name: string, code: string, nesting: number, verdict: ShellVerdict): void {
  if (nesting >= maxNesting) return;
  shellCall.lastIndex = 0;
  let count = 0;
  for (let m = shellCall.exec(code); m !== null && count < 16; m = shellCall.exec(code), count++) {
    const inner = m[1] ?? m[2] ?? m[3];
    if (inner !== undefined) analyse(inner, nesting + 1, verdict);
  }
}

/** `rsync --delete SRC DEST`: DEST loses everything SRC lacks; an empty SRC wipes it. */
function judgeSyncDelete(name: string, values: string[], verdict: ShellVerdict): void {
  const operands = values.filter((v) => !v.startsWith('-'));
  const destination = operands[operands.length - 1];
  if (operands.length < 2 || destination === undefined) return;
  const target = classifyPath(destination);
  if (target === 'root' || target === 'home' || target === 'system') {
    raise(verdict, 'danger', `${name} --delete mirrors into ${describeTarget(target)} (${destination})`);
  }
}

const dataServices =
  /^(?:postgresql|pgsql|mysql|mariadb|mongodb|redis|docker|containerd|etcd|elasticsearch|opensearch|cassandra|kafka|zookeeper|rabbitmq|influxdb|clickhouse|couchdb|neo4j|kubelet|vault|consul)$/;

/** Where a path points, once written as the shell would see it. */
type Target = 'root' | 'home' | 'system' | 'cwd' | 'critical' | undefined;

function classifyPath(raw: string, literal = true): Target {
  let path = raw.replace(/\/+/g, '/');
  if (path === '' || path === '--') return undefined;
  if (/^(?:\/\*?|\/\.\.?\/?\*?)$/.test(path)) return 'root';
  if (/^(?:~[^/]*|\$HOME)\/?(?:\*|\.\*|\.\[\^\.\]\*)?$/.test(path)) return 'home';
  if (/^(?:~|\$HOME)\/[^/*]+\/?$/.test(path)) return 'home';
  if (/^(?:\.{1,2}(?:\/\.{1,2})*)\/?\*?$|^\*$|^\.\*$/.test(path)) return 'cwd';
  if (criticalFiles.test(path)) return 'critical';
  if (!path.startsWith('/')) return undefined;
  path = path.replace(/\/$/, '');
  const parts = path.split('/').slice(1);
  const top = parts[0] ?? '';
  // Any other top-level directory (/data, /app, /workspace) holds what a machine or its service runs on; /tmp is
  // meant to be cleaned.
  if (!systemDirs.has(top)) return literal && parts.length === 1 && !/^(?:\*|tmp)?$/.test(top) ? 'system' : undefined;
  // Depth 1 or 2 under a system directory (/etc, /var/lib, /home/alice): a tree someone depends on.
  if (parts.length <= 2) return 'system';
  if (parts.length === 3 && (parts[2] === '*' || top === 'home' || top === 'Users')) return 'system';
  // A database's or cluster service's state, at any depth (/var/lib/postgresql/14/main).
  if (top === 'var' && parts[1] === 'lib' && dataServices.test(parts[2] ?? '')) return 'system';
  // Data of installed services: databases, mail, web roots.
  if (parts.length === 3 && top === 'var' && /^(?:lib|www|mail|spool|backups|opt)$/.test(parts[1] ?? ''))
    return 'system';
  return undefined;
}

/** A target as seen with every run-time part empty: `"$DIR"/` becomes `/` when DIR is unset. */
function targetOf(word: ShellWord): { target: Target; uncertain: boolean } {
  // Nothing but a variable (`"$DIR"`): it may be empty or anything at all.
  if (word.dynamic && word.value === '') return { target: 'root', uncertain: true };
  // `"$TMPDIR/x"` is `/x` only when TMPDIR is unset: a top-level directory counts only when written out.
  const target = classifyPath(word.value, !word.dynamic);
  return { target, uncertain: word.dynamic };
}

function judgeRemove(name: string, args: ShellWord[], verdict: ShellVerdict, alwaysRecursive = false): void {
  let recursive = alwaysRecursive;
  let noPreserveRoot = false;
  const targets: ShellWord[] = [];
  let options = true;
  for (const word of args) {
    const value = word.value;
    if (options && value === '--') options = false;
    else if (options && value === '--recursive') recursive = true;
    else if (options && value === '--no-preserve-root') noPreserveRoot = true;
    else if (options && /^-[a-zA-Z]+$/.test(value) && !word.dynamic) {
      if (/[rR]/.test(value)) recursive = true;
    } else if (!(options && /^--/.test(value))) targets.push(word);
  }
  if (noPreserveRoot) raise(verdict, 'danger', 'rm --no-preserve-root');
  for (const word of targets) {
    const { target, uncertain } = targetOf(word);
    if (target === 'critical') raise(verdict, 'danger', `${name} deletes a system file (${word.value})`);
    else if (target === undefined) continue;
    else if (recursive || (word.glob && target !== 'cwd')) {
      if (uncertain) raise(verdict, 'suspicious', `${name} -r of a path made at run time that may be ${target}`);
      else raise(verdict, 'danger', `${name} -r of ${describeTarget(target)} (${word.value})`);
    }
  }
}

function describeTarget(target: Target): string {
  switch (target) {
    case 'root':
      return 'the root directory';
    case 'home':
      return 'a home directory';
    case 'cwd':
      return 'the working directory';
    case 'critical':
      return 'a system file';
    default:
      return 'a system directory';
  }
}

function judgeMove(args: ShellWord[], verdict: ShellVerdict): void {
  const paths = args.filter((w) => !/^-/.test(w.value));
  const destination = paths[paths.length - 1];
  for (const word of paths.slice(0, -1)) {
    const target = classifyPath(word.value);
    if (target === 'root' || target === 'home' || target === 'system' || target === 'critical') {
      raise(verdict, 'danger', `mv moves away ${describeTarget(target)} (${word.value})`);
    }
  }
  if (destination && /^\/dev\/null$/.test(destination.value) && paths.length > 1) {
    raise(verdict, 'danger', 'mv into /dev/null destroys the source');
  }
}

function judgePermissions(name: string, args: ShellWord[], verdict: ShellVerdict): void {
  const values = args.map((w) => w.value);
  const recursive = values.some((v) => /^-[a-zA-Z]*R[a-zA-Z]*$/.test(v) || v === '--recursive');
  const setuid = name === 'chmod' && values.some((v) => /^(?:[ugoa]*\+[rwx]*s|[4-7][0-7]{3})$/.test(v));
  const operands = args.filter((w) => !/^-/.test(w.value)).slice(name === 'chattr' ? 0 : 1);
  for (const word of operands) {
    const target = classifyPath(word.value);
    if (target === undefined) continue;
    if (recursive && target !== 'cwd') raise(verdict, 'danger', `${name} -R on ${describeTarget(target)}`);
    else if (target === 'critical') raise(verdict, 'danger', `${name} changes a system file (${word.value})`);
  }
  if (setuid && operands.some((w) => /(?:^|\/)(?:ba|z|da|k)?sh$|(?:^|\/)(?:python3?|perl|find|vim?)$/.test(w.value))) {
    raise(verdict, 'danger', 'setuid on a shell or interpreter');
  }
}

/**
 * Disk and filesystem tools write devices: listing (`fdisk -l`) is harmless, and so is formatting an image file
 * (`mkfs.ext4 -F ./disk.img`); a device, a path made at run time or no operand at all is danger.
 */
function judgeDiskTool(name: string, args: ShellWord[], verdict: ShellVerdict): void {
  const values = args.map((w) => w.value);
  if (/^(?:s?fdisk|gdisk|parted|sgdisk)$/.test(name) && values.some((v) => /^(?:-l|--list|-p|--print)$/.test(v)))
    return;
  // Numbers are option values (`-F 32`), not devices.
  const operands = args.filter((w) => !/^-/.test(w.value) && !/^\d+$/.test(w.value));
  const imageFile = (w: ShellWord) =>
    !w.dynamic &&
    !w.glob &&
    !w.value.startsWith('/dev/') &&
    /\.(?:img|iso|raw|qcow2|vhdx?|vmdk|bin|dd)$/i.test(w.value);
  if (operands.length > 0 && operands.every(imageFile)) return;
  raise(verdict, 'danger', `disk or filesystem tool ${name}`);
}

function judgeDd(values: string[], verdict: ShellVerdict): void {
  const output = values.find((v) => v.startsWith('of='))?.slice(3);
  if (output && isBlockDevice(output)) raise(verdict, 'danger', `dd writes to the device ${output}`);
}

function isBlockDevice(path: string): boolean {
  return /^\/dev\/(?!null$|zero$|stdout$|stderr$|tty|fd\/|random$|urandom$|shm\/|pts\/)/.test(path);
}

function judgeRedirect(op: string, target: ShellWord, verdict: ShellVerdict): void {
  const path = target.value;
  if (/^\/dev\/(?:tcp|udp)\//.test(path)) {
    raise(verdict, 'danger', `network redirect to ${path} (reverse shell or exfiltration)`);
    return;
  }
  if (op === '<' || op === '<<' || op === '<<-' || op === '<<<' || op === '<&') return;
  if (isBlockDevice(path) && /^\/dev\/(?:[shv]d|xvd|nvme|mmcblk|disk|mapper|md|loop|sr)/.test(path)) {
    raise(verdict, 'danger', `writes to the raw disk ${path}`);
  } else if (criticalFiles.test(path)) {
    raise(verdict, 'danger', `overwrites the system file ${path}`);
  }
}

/** A command run by another (`xargs CMD`, `find -exec CMD`): one nesting level deeper, suspicious past the bound. */
function judgeNested(command: ShellCommand, functions: Set<string>, nesting: number, verdict: ShellVerdict): void {
  if (nesting < maxNesting) judge(command, functions, nesting + 1, verdict);
  else raise(verdict, 'suspicious', 'commands nested too deeply to judge');
}

function judgeFind(
  args: ShellWord[],
  command: ShellCommand,
  functions: Set<string>,
  nesting: number,
  verdict: ShellVerdict,
): void {
  const values = args.map((w) => w.value);
  const firstExpr = values.findIndex((v) => /^[-(!]/.test(v) && v !== '-' && !/^-[HLP]$/.test(v));
  const starts = args.slice(0, firstExpr < 0 ? args.length : firstExpr).filter((w) => !/^-[HLP]$/.test(w.value));
  const expression = firstExpr < 0 ? [] : values.slice(firstExpr);
  const filtered = expression.some((v) =>
    /^-(?:i?name|i?path|i?wholename|i?regex|newer|[acm]time|[acm]min|size|user|empty|perm)$/.test(v),
  );
  let deletes = expression.includes('-delete');
  for (let i = 0; i < expression.length; i++) {
    if (!/^-(?:exec|execdir|ok|okdir)$/.test(expression[i] ?? '')) continue;
    // One pass: the next -exec is looked for after this one's end, so `-exec -exec -exec ...` stays linear.
    let end = i + 1;
    while (end < expression.length && expression[end] !== ';' && expression[end] !== '+') end++;
    const inner = args.slice(firstExpr + i + 1, firstExpr + end);
    const innerName = baseName(inner[0]);
    if (innerName === 'rm' || innerName === 'shred' || innerName === 'unlink') deletes = true;
    else if (inner.length > 0) {
      const substituted = inner.map((w) => (w.value === '{}' ? { ...w, value: '/placeholder/file' } : w));
      judgeNested({ ...command, words: substituted, redirects: [] }, functions, nesting, verdict);
    }
    i = end;
  }
  if (!deletes) return;
  const roots = starts.length > 0 ? starts : [{ value: '.', dynamic: false, glob: false, substitutions: [] }];
  for (const word of roots) {
    const { target } = targetOf(word);
    if (target === undefined || target === 'critical') continue;
    if (target === 'cwd' && filtered) continue;
    if (filtered || word.dynamic) raise(verdict, 'suspicious', `find deletes files under ${describeTarget(target)}`);
    else raise(verdict, 'danger', `find deletes everything under ${describeTarget(target)} (${word.value})`);
  }
}

function judgePowershell(values: string[], verdict: ShellVerdict): void {
  const text = values.join(' ');
  if (/-e(?:nc(?:odedcommand)?)?\b/i.test(text) && values.some((v) => /^-e(?:nc|ncodedcommand)?$/i.test(v))) {
    raise(verdict, 'suspicious', 'powershell runs an encoded command');
  }
  if (
    /\b(?:iex|invoke-expression)\b/i.test(text) &&
    /\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|net\.webclient)\b/i.test(text)
  ) {
    raise(verdict, 'danger', 'remote code: powershell runs downloaded code');
  }
  if (
    /\bremove-item\b/i.test(text) &&
    /-recurse\b/i.test(text) &&
    /\s(?:[a-z]:\\?|\\|~|\$env:userprofile)(?:\s|$)/i.test(text)
  ) {
    raise(verdict, 'danger', 'powershell deletes a drive or home recursively');
  }
}

function judgeGit(values: string[], verdict: ShellVerdict): void {
  const sub = values.find((v) => !v.startsWith('-'));
  // A forced push to a named branch other than a shared one (main, master, release/*) rewrites only that branch.
  const refspecs = values
    .slice(values.indexOf('push') + 1)
    .filter((v) => !v.startsWith('-'))
    .slice(1);
  const sharedBranch =
    /^\+?(?:[^:]*:)?(?:refs\/heads\/)?(?:main|master|trunk|develop|dev|production|prod|staging|stable|release(?:[/-].*)?|HEAD)$/;
  const ownBranchOnly =
    refspecs.length > 0 &&
    refspecs.every((r) => !r.startsWith('+') && !sharedBranch.test(r)) &&
    values.every((v) => /^(?:--force-with-lease(?:=.*)?|--force|-f|--set-upstream|-u)$/.test(v) || !v.startsWith('-'));
  if (
    sub === 'push' &&
    !ownBranchOnly &&
    values.some(
      (v) => /^(?:-f|--force|--force-with-lease|--mirror|--delete|--all)$|^\+/.test(v) || /^-[a-zA-Z]*f/.test(v),
    )
  ) {
    raise(verdict, 'suspicious', 'git push --force rewrites shared history');
  }
  if (sub === 'clean' && values.some((v) => /^-[a-zA-Z]*x/.test(v)) && values.some((v) => /^-[a-zA-Z]*f/.test(v))) {
    raise(verdict, 'suspicious', 'git clean -fx deletes untracked and ignored files');
  }
}

/** Cloud and cluster commands that destroy a whole environment. */
function judgeInfrastructure(name: string, values: string[], verdict: ShellVerdict): void {
  const has = (...words: string[]) => words.every((w) => values.includes(w));
  if (name === 'terraform' && (has('destroy') || (has('apply') && values.includes('-destroy')))) {
    raise(verdict, 'suspicious', 'terraform destroy');
  } else if (
    name === 'kubectl' &&
    has('delete') &&
    values.some((v) => /^(?:--all|-A|--all-namespaces|namespace|ns|namespaces|node|nodes|pv|crd)$/.test(v))
  ) {
    raise(verdict, 'suspicious', 'kubectl delete of a namespace, node or everything');
  } else if (
    name === 'aws' &&
    ((has('s3', 'rm') && values.includes('--recursive')) ||
      has('s3', 'rb') ||
      values.some((v) =>
        /^(?:delete-db-instance|delete-db-cluster|terminate-instances|delete-bucket|delete-stack)$/.test(v),
      ))
  ) {
    raise(verdict, 'suspicious', 'aws deletes a bucket, database or instances');
  } else if (
    name === 'gcloud' &&
    has('delete') &&
    values.some((v) => /^(?:projects|instances|sql|clusters)$/.test(v))
  ) {
    raise(verdict, 'suspicious', 'gcloud deletes a project, instance, database or cluster');
  } else if (
    name === 'docker' &&
    // `system prune -f` only clears stopped containers and dangling images; `-a` and `--volumes` take the rest.
    ((has('system', 'prune') && values.some((v) => /^-[a-z]*a|^--(?:all|volumes)$/.test(v))) ||
      (has('volume', 'prune') && values.some((v) => /^-[a-z]*[af]|^--(?:all|force)$/.test(v))))
  ) {
    raise(verdict, 'suspicious', 'docker prune of everything');
  } else if (
    name === 'docker' &&
    has('run') &&
    values.some((v) => /^-v$|^--volume$/.test(v)) &&
    values.some((v) => /^\/:/.test(v))
  ) {
    raise(verdict, 'suspicious', 'docker mounts the host root');
  } else if ((name === 'dropdb' || name === 'mysqladmin') && (name === 'dropdb' || has('drop'))) {
    raise(verdict, 'suspicious', `${name} drops a database`);
  } else if (name === 'iptables' && values.some((v) => /^(?:-F|--flush)$/.test(v))) {
    raise(verdict, 'suspicious', 'iptables flushes the firewall');
  } else if (name === 'history' && values.includes('-c')) {
    raise(verdict, 'suspicious', 'clears the shell history');
  } else if ((name === 'userdel' || name === 'deluser') && values.includes('root')) {
    raise(verdict, 'danger', 'deletes the root user');
  } else if (name === 'passwd' && values.includes('root')) {
    raise(verdict, 'suspicious', 'changes the root password');
  }
}

/** A credential file read in the same pipeline as (or handed to) a network tool. */
function judgeExfiltration(name: string, args: ShellWord[], command: ShellCommand, verdict: ShellVerdict): void {
  const readsSecret = (words: ShellWord[]) =>
    words.some((w) =>
      credentialPath.test(
        w.value
          .replace(/^@|^[\w-]+=@?|^<\s*/, '')
          .replace(/\.pub$/, '.pub-x')
          .replace(/(.)\/+$/, '$1'),
      ),
    );
  const fromUpstream = command.upstream.some((up) => {
    const upName = baseName(unwrap(up.words)[0]);
    return (
      baseName(up.words[0]) === 'env' ||
      upName === 'printenv' ||
      readsSecret(up.words.slice(1)) ||
      up.redirects.some((r) => r.op === '<' && readsSecret([r.target]))
    );
  });
  // `ssh -i KEY` and `scp -i KEY` use the key to log in; that is not sending it.
  const login = name === 'ssh' || name === 'scp' || name === 'sftp' || name === 'rsync';
  const payload = login ? args.filter((_, i) => !/^-[iFe]$/.test(args[i - 1]?.value ?? '')) : args;
  const inArgs = readsSecret(payload) || args.some((w) => w.substitutions.some((s) => readsSecret(s.words.slice(1))));
  const inRedirect = command.redirects.some((r) => r.op === '<' && readsSecret([r.target]));
  if (fromUpstream || inArgs || inRedirect) raise(verdict, 'danger', `credentials sent over the network (${name})`);
}
