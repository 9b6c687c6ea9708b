/** The real `durable-guard` commands as child processes, as docker-compose.yml runs them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once the output contains `text`; rejects if the process exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** kill -9 (node itself runs the command, so the pid is the process's own). */
  killHard(): Promise<void>;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (output.includes(text)) done(resolve);
          else if (child.exitCode !== null) done(() => reject(new Error(`${args[0]} exited first:\n${output}`)));
          else if (Date.now() > deadline) done(() => reject(new Error(`no "${text}" from ${args[0]}:\n${output}`)));
        }, 100);
        const deadline = Date.now() + timeoutMs;
        const done = (then: () => void) => {
          clearInterval(timer);
          then();
        };
      }),
    async killHard() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
