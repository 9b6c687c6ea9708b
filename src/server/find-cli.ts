/** Finds the Temporal CLI binary that runs the embedded dev server, building it once when needed. */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** The newest CLI tag that `go install` can build from the module proxy (later tags carry a `replace`). */
export const TEMPORAL_CLI_VERSION = '1.5.1';

export type CliSource = 'env' | 'path' | 'cache' | 'go-build';

export interface FoundCli {
  path: string;
  source: CliSource;
}

export interface FindCliOptions {
  env?: NodeJS.ProcessEnv;
  /** Where progress lines go; the first build takes minutes, so say so. */
  log?: (line: string) => void;
}

/** True when `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The folder where a built CLI is cached, outside any checkout so every clone shares it. */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'durable-guard', `temporal-${TEMPORAL_CLI_VERSION}`);
}

async function goBuild(cacheDir: string, goPath: string, env: NodeJS.ProcessEnv, log: (l: string) => void) {
  mkdirSync(cacheDir, { recursive: true });
  log(
    `durable-guard: building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go into ${cacheDir} ` +
      '(first time only; this takes a few minutes)',
  );
  const started = Date.now();
  await promisify(execFile)(
    goPath,
    [
      'install',
      '-ldflags',
      `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
    ],
    { env: { ...env, GOBIN: cacheDir, CGO_ENABLED: '0' }, maxBuffer: 64 * 1024 * 1024 },
  );
  log(`durable-guard: built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Finds the CLI: `$TEMPORAL_CLI_PATH`, else `temporal` on PATH, else the cached build, else builds it with
 * `go install` when Go exists. Returns undefined when none of these works, so the caller can let
 * `@temporalio/testing` download a binary instead (a machine with internet).
 */
export async function findTemporalCli(options: FindCliOptions = {}): Promise<FoundCli | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file: fix the path or unset it`);
    }
    return { path: fromEnv, source: 'env' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cacheDir = cliCacheDir(env);
  const cached = join(cacheDir, 'temporal');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  const go = onPath('go', env);
  if (!go) return undefined;
  try {
    await goBuild(cacheDir, go, env, log);
  } catch (err) {
    log(`durable-guard: building the Temporal CLI failed: ${(err as Error).message}`);
    return undefined;
  }
  return isExecutable(cached) ? { path: cached, source: 'go-build' } : undefined;
}
