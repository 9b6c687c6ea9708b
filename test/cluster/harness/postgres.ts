/**
 * A private PostgreSQL cluster from Debian's packages: initdb in a temp directory, pg_ctl on a free loopback
 * port, trust auth for the `temporal` role. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../src/server/dev-server';

const run = promisify(execFile);

export interface Postgres {
  host: string;
  port: number;
  user: string;
  /** PostgreSQL's major version, e.g. 15. */
  version: number;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl, or undefined. */
export function findPostgresBin(root = '/usr/lib/postgresql'): { bin: string; version: number } | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .map(Number)
    .filter((v) => Number.isInteger(v) && existsSync(join(root, String(v), 'bin', 'initdb')))
    .sort((a, b) => b - a);
  const version = versions[0];
  return version === undefined ? undefined : { bin: join(root, String(version), 'bin'), version };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/** Starts the cluster and waits until it accepts connections. */
export async function startPostgres(log: (line: string) => void): Promise<Postgres> {
  const found = findPostgresBin();
  if (!found) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'dg-postgres-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  // Root: every command runs as the `postgres` user, which owns the directory.
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  log(`cluster: PostgreSQL ${found.version} (${found.bin}): initdb in ${dataDir}, port ${port}`);
  await as(join(found.bin, 'initdb'), ['-D', dataDir, '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await as(join(found.bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    logFile,
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'temporal',
    version: found.version,
    dataDir,
    logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      await as(join(found.bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
