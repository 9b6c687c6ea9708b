/**
 * The Python virtual environment of python/, made from the project's own files (python/requirements.lock and
 * python/pyproject.toml) and kept in python/.venv while those files are unchanged.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const PYTHON_DIR = join(__dirname, '..', '..', '..', 'python');
const VENV = join(PYTHON_DIR, '.venv');
const STAMP = join(VENV, '.durable-guard-stamp');

/** The venv's python, made (or remade) when the lock or pyproject changed. */
export async function pythonEnv(): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const hash = createHash('sha256');
  for (const file of ['requirements.lock', 'pyproject.toml']) hash.update(readFileSync(join(PYTHON_DIR, file)));
  const stamp = hash.digest('hex');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp && existsSync(python)) return python;
  rmSync(VENV, { recursive: true, force: true });
  const run = promisify(execFile);
  const options = { cwd: PYTHON_DIR, maxBuffer: 16 * 1024 * 1024 };
  await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', VENV], options);
  await run(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', 'requirements.lock'],
    options,
  );
  await run(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-e', '.'],
    options,
  );
  writeFileSync(STAMP, stamp);
  return python;
}

/** Runs `python -m args` in python/ (asynchronously: the test's worker runs on this event loop meanwhile). */
export function runPython(
  python: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: PYTHON_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed: still running after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
