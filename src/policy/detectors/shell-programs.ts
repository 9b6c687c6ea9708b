import type { ShellCommand, ShellWord } from './shell-parse';
import { classifySql, type SqlDialect } from './sql-classify';

/*
 * Programs that destroy through their own language rather than through the shell's: database clients handed a
 * statement (`psql -c 'DROP DATABASE app'`, `redis-cli FLUSHALL`), Windows commands and PowerShell cmdlets run by a
 * PowerShell or cmd tool, and cloud CLIs that delete a whole environment. Each judge reads the words once.
 */

/** What a program's words do, when it is worth stopping or asking about. */
export interface ProgramFinding {
  level: 'danger' | 'suspicious';
  reason: string;
}

/** What the judges return for a program they have nothing to say about: shared, never written to. */
const none: readonly ProgramFinding[] = Object.freeze([]);

// The option that hands a client its statement, per client: `psql -c SQL`, `mysql -e SQL`, `clickhouse-client -q`.
const sqlClients = new Map<string, { flags: RegExp; dialect: SqlDialect }>([
  ['psql', { flags: /^(?:-c|--command)$/, dialect: 'postgresql' }],
  ['mysql', { flags: /^(?:-e|--execute)$/, dialect: 'mysql' }],
  ['mariadb', { flags: /^(?:-e|--execute)$/, dialect: 'mysql' }],
  ['clickhouse-client', { flags: /^(?:-q|--query)$/, dialect: 'postgresql' }],
  ['cqlsh', { flags: /^(?:-e|--execute)$/, dialect: 'postgresql' }],
]);
const databaseClients = new Set([...sqlClients.keys(), 'sqlite3', 'mongosh', 'mongo', 'redis-cli']);
const environmentTools = new Set([
  'pulumi',
  'az',
  'gh',
  'heroku',
  'docker',
  'userdel',
  'deluser',
  'crontab',
  'cryptsetup',
]);

const mongoDestroys = /\.drop(?:Database)?\s*\(|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)|\.dropIndexes\s*\(/;
const redisDestroys = /^(?:flushall|flushdb|shutdown|debug)$/i;

/** A statement handed to a database client on its command line, judged as SQL (or Mongo's and Redis's own). */
export function judgeDatabaseClient(name: string, values: string[]): readonly ProgramFinding[] {
  if (!databaseClients.has(name)) return none;
  const client = sqlClients.get(name);
  if (client) {
    const findings: ProgramFinding[] = [];
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as string;
      const inline = /^--(?:command|execute|query)=/.exec(value);
      const sql = inline ? value.slice(inline[0].length) : client.flags.test(value) ? values[i + 1] : undefined;
      if (sql === undefined) continue;
      const level = classifySql(sql, client.dialect).level;
      if (level === 'danger' || level === 'suspicious') findings.push({ level, reason: `${name} runs ${level} SQL` });
    }
    return findings;
  }
  if (name === 'sqlite3') {
    const operands = values.filter((v) => !v.startsWith('-'));
    const sql = operands[1];
    const level = sql === undefined ? undefined : classifySql(sql, 'sqlite').level;
    return level === 'danger' || level === 'suspicious' ? [{ level, reason: `sqlite3 runs ${level} SQL` }] : [];
  }
  if (name === 'mongosh' || name === 'mongo') {
    return values.some((v) => mongoDestroys.test(v))
      ? [{ level: 'danger', reason: `${name} drops or empties data` }]
      : [];
  }
  if (name === 'redis-cli' && values.some((v) => redisDestroys.test(v))) {
    return [{ level: 'danger', reason: 'redis-cli flushes or stops the server' }];
  }
  return [];
}

/** A drive, its root or a Windows system tree (`C:`, `C:\`, `C:\*`, `C:\Windows\System32`, `C:\Users`). */
const windowsCritical =
  /^[a-z]:[\\/]?(?:\*(?:\.\*)?|(?:windows|users|program ?files(?: \(x86\))?|programdata)(?:[\\/]?(?:\*|system32|syswow64))?)?[\\/]?$/i;

/** Command names of Windows' cmd and of PowerShell cmdlets (`Remove-Item`), as a PowerShell or cmd tool runs them. */
export function windowsCommand(name: string): boolean {
  return /^(?:(?:rd|rmdir|del|erase|format|vssadmin|wmic|bcdedit|wbadmin|cipher|diskpart|iex|iwr|irm)$|[A-Z][a-z]+-[A-Z])/i.test(
    name,
  );
}

/**
 * Windows commands: `rd /s` and `del /s` of a drive or system tree, `format X:`, removing shadow copies or boot
 * recovery (what ransomware runs first), and the PowerShell cmdlets that wipe disks or run downloaded code.
 * `upstream` names the commands piped into this one (`iwr URL | iex`).
 */
export function judgeWindows(name: string, values: string[], upstream: string[]): readonly ProgramFinding[] {
  const lower = name.toLowerCase();
  const text = values.join(' ').toLowerCase();
  const operands = values.filter((v) => !/^[/-]/.test(v));
  const hitsSystem = operands.some((v) => windowsCritical.test(v));
  if ((lower === 'rd' || lower === 'rmdir') && /(?:^|\s)\/s\b/.test(text) && hitsSystem) {
    return [{ level: 'danger', reason: `${name} /s deletes a drive or system tree` }];
  }
  if ((lower === 'del' || lower === 'erase') && hitsSystem) {
    return [{ level: 'danger', reason: `${name} deletes files of a drive or system tree` }];
  }
  if (lower === 'format' && operands.some((v) => /^[a-z]:$/i.test(v))) {
    return [{ level: 'danger', reason: 'format erases a drive' }];
  }
  if (
    (lower === 'vssadmin' && /\bdelete\s+shadows\b/.test(text)) ||
    (lower === 'wmic' && /\bshadowcopy\s+delete\b/.test(text)) ||
    (lower === 'wbadmin' && /\bdelete\s+(?:catalog|systemstatebackup|backup)\b/.test(text)) ||
    (lower === 'bcdedit' && /\brecoveryenabled\s+no\b|\bbootstatuspolicy\s+ignoreallfailures\b/.test(text))
  ) {
    return [{ level: 'danger', reason: `${name} removes backups or boot recovery` }];
  }
  if (lower === 'cipher' && /(?:^|\s)\/w:/.test(text)) return [{ level: 'danger', reason: 'cipher /w wipes a drive' }];
  if (/^(?:format-volume|clear-disk|initialize-disk|remove-partition)$/.test(lower)) {
    return [{ level: 'danger', reason: `${name} erases a disk or volume` }];
  }
  if (/^(?:stop-computer|restart-computer)$/.test(lower))
    return [{ level: 'danger', reason: `${name} stops the machine` }];
  if (
    lower === 'remove-item' &&
    /-r(?:ecurse)?\b/.test(text) &&
    (hitsSystem || operands.some((v) => /^(?:~|\\)$/.test(v)))
  ) {
    return [{ level: 'danger', reason: 'Remove-Item -Recurse deletes a drive, home or system tree' }];
  }
  const downloads = /^(?:iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget)$/i;
  if ((lower === 'iex' || lower === 'invoke-expression') && upstream.some((u) => downloads.test(u))) {
    return [{ level: 'danger', reason: 'remote code: downloaded code piped into Invoke-Expression' }];
  }
  if (
    (lower === 'iex' || lower === 'invoke-expression') &&
    /downloadstring|invoke-webrequest|\biwr\b|\birm\b/.test(text)
  ) {
    return [{ level: 'danger', reason: 'remote code: Invoke-Expression of downloaded code' }];
  }
  return [];
}

/** Whether a word is a substitution that lists every container, image or volume (`$(docker ps -aq)`). */
function listsEverything(word: ShellWord): boolean {
  return word.substitutions.some((sub: ShellCommand) => {
    const values = sub.words.map((w) => w.value);
    return (
      values[0] === 'docker' &&
      values.some((v) => /^(?:ps|ls|images)$/.test(v)) &&
      values.some((v) => /^-[a-z]*q/.test(v))
    );
  });
}

/**
 * Cloud and hosting CLIs that delete a whole environment (Pulumi stacks, Azure resource groups, GitHub
 * repositories, Heroku apps), Docker removing every container or volume, user accounts deleted with their home,
 * and cron jobs installed from a pipeline.
 */
export function judgeEnvironment(name: string, args: ShellWord[], piped: boolean): readonly ProgramFinding[] {
  if (!environmentTools.has(name)) return none;
  const values = args.map((w) => w.value);
  const has = (...words: string[]) => words.every((w) => values.includes(w));
  if (name === 'pulumi' && (has('destroy') || has('stack', 'rm'))) {
    return [{ level: 'suspicious', reason: 'pulumi destroys a stack' }];
  }
  if (
    name === 'az' &&
    has('delete') &&
    values.some((v) => /^(?:group|aks|vm|sql|storage|cosmosdb|postgres|mysql|webapp|keyvault)$/.test(v))
  ) {
    return [{ level: 'suspicious', reason: 'az deletes a resource group, cluster, machine or database' }];
  }
  if (name === 'gh' && has('repo', 'delete')) return [{ level: 'suspicious', reason: 'gh deletes a repository' }];
  if (name === 'heroku' && values.some((v) => /^(?:apps:destroy|pg:reset|addons:destroy)$/.test(v))) {
    return [{ level: 'suspicious', reason: 'heroku destroys an app or its database' }];
  }
  if (name === 'docker' && values.some((v) => /^(?:rm|rmi|kill)$/.test(v)) && args.some(listsEverything)) {
    return [{ level: 'suspicious', reason: 'docker removes every container, image or volume' }];
  }
  if ((name === 'userdel' || name === 'deluser') && values.some((v) => /^(?:-r|--remove|--remove-home)$/.test(v))) {
    return [{ level: 'suspicious', reason: `${name} deletes a user and their files` }];
  }
  if (name === 'crontab' && !values.includes('-l') && (values.includes('-') || (piped && values.length === 0))) {
    return [{ level: 'suspicious', reason: 'crontab installs jobs from a pipeline' }];
  }
  if (name === 'cryptsetup' && values.some((v) => /^(?:luksFormat|erase|luksErase|reencrypt)$/.test(v))) {
    return [{ level: 'danger', reason: 'cryptsetup formats or erases a device' }];
  }
  return [];
}
