/** The `durable-guard` command as its own process (stdin, stdout and stderr pipes, never a terminal). */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
const args = (cliArgs: string[]) => [
  join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
  'src/cli/main.ts',
  ...cliArgs,
];

export interface CliRun {
  /** Exit code; null when it was killed for running past its time. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `durable-guard ARGS` to its end (killed after `timeoutMs`: a command that hangs fails its test). */
export async function runCli(env: Record<string, string>, cliArgs: string[], timeoutMs = 60_000): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args(cliArgs), {
      cwd: root,
      env: { ...process.env, ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; killed?: boolean; stdout?: string; stderr?: string };
    return { code: e.killed ? null : (e.code ?? -1), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A running `durable-guard ARGS` whose stderr lines are kept with the time each arrived. */
export interface CliProcess {
  child: ChildProcess;
  lines: { at: number; text: string }[];
  stdout(): string;
  /** Resolves with the first stderr line matching, waiting up to `timeoutMs`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function spawnCli(env: Record<string, string>, cliArgs: string[]): CliProcess {
  const child = spawn(process.execPath, args(cliArgs), { cwd: root, env: { ...process.env, ...env } });
  const lines: { at: number; text: string }[] = [];
  let out = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stdout: () => out,
    exited,
    async line(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((l) => pattern.test(l.text));
        if (found) return found.text;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no stderr line matching ${pattern}; stderr so far:\n${lines.map((l) => l.text).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
