/**
 * The self-hosted Temporal server and its SQL schema tool, built once with Go from the module the Temporal CLI
 * embeds and cached outside any checkout (like src/server/find-cli.ts does for the CLI).
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isExecutable } from '../../../src/server/find-cli';

/** The server version the Temporal CLI v1.5.1 embeds (its go.mod requires go.temporal.io/server v1.29.1). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';

const run = promisify(execFile);

export interface TemporalBinaries {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** The PostgreSQL schema folder shipped inside the module (schema/postgresql/v12). */
  schemaDir: string;
}

/** Where the two binaries are cached: ~/.cache/durable-guard/temporal-server-<version>. */
export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'durable-guard', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** The go command, or undefined when this machine has none. */
export async function findGo(): Promise<string | undefined> {
  try {
    await run('go', ['version']);
    return 'go';
  } catch {
    return undefined;
  }
}

/**
 * Builds what is missing (`go install pkg@v1.29.1`, CGO off) and finds the schema files in the Go module cache
 * (`go mod download` fetches the module when the cache was cleaned). The first build takes minutes.
 */
export async function temporalBinaries(log: (line: string) => void): Promise<TemporalBinaries> {
  const dir = serverCacheDir();
  const server = join(dir, 'server');
  const sqlTool = join(dir, 'sql');
  const env = { ...process.env, GOBIN: dir, CGO_ENABLED: '0' };
  for (const [path, pkg] of [
    [server, `${MODULE}/cmd/server`],
    [sqlTool, `${MODULE}/cmd/tools/sql`],
  ] as const) {
    if (isExecutable(path)) continue;
    mkdirSync(dir, { recursive: true });
    log(`cluster: building ${pkg}@v${TEMPORAL_SERVER_VERSION} with Go into ${dir} (first time only; takes minutes)`);
    const started = Date.now();
    await run('go', ['install', `${pkg}@v${TEMPORAL_SERVER_VERSION}`], { env, maxBuffer: 64 * 1024 * 1024 });
    log(`cluster: built ${pkg} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const { stdout } = await run('go', ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download ${MODULE}@v${TEMPORAL_SERVER_VERSION} named no directory`);
  return { server, sqlTool, schemaDir: join(moduleDir, 'schema', 'postgresql', 'v12') };
}
