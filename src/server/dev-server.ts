/** Starts and stops the embedded Temporal dev server (SQLite file, Web UI, our search attributes). */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stopProcess } from '../lifecycle/stop-process';
import { GUARD_SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { findTemporalCli, type CliSource } from './find-cli';

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. @default 7233 */
  port?: number;
  /** Web UI port; 0 picks a free one; `false` runs headless. @default 8233 */
  uiPort?: number | false;
  /** SQLite file that keeps workflows across restarts. @default .data/temporal.db */
  dbFilename?: string;
  /** Server output goes here. @default next to the database, temporal.log */
  logFile?: string;
  /** How long to wait for the server to answer. @default 60 s */
  readyTimeoutMs?: number;
  namespace?: string;
  /** Codec server the Web UI calls to show decrypted payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Server dynamic config (`--dynamic-config-value KEY=JSON`), e.g. `{ 'system.enableActivityEagerExecution': true }`. */
  dynamicConfig?: Record<string, unknown>;
  /** Further SQLite pragmas (`--sqlite-pragma NAME=VALUE`) besides journal_mode=WAL and synchronous=NORMAL. */
  sqlitePragmas?: Record<string, string | number>;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  uiUrl?: string;
  /** How the binary was found, or 'download' when @temporalio/testing fetched it. */
  source: CliSource | 'download';
  /** PID of the server process when we started it ourselves. */
  pid?: number;
  stop(): Promise<void>;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Dynamic config of the dev server we start. Eager activity execution hands an activity scheduled by a workflow
 * task straight back to the worker that completed it (no matching round trip): about 8% less server CPU per
 * batch item in `bench/batch.ts`.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'system.enableActivityEagerExecution': true,
};

const SA_TYPE_FLAG: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

function searchAttributeFlags(): string[] {
  return GUARD_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${SA_TYPE_FLAG[key.type]}`]);
}

/** Resolves once the frontend answers and our search attributes are visible in the namespace. */
export async function waitForServer(
  address: string,
  namespace: string,
  timeoutMs: number,
  exited?: () => string | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const exit = exited?.();
    if (exit) throw new Error(`Temporal dev server exited before it was ready: ${exit}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = GUARD_SEARCH_ATTRIBUTES.filter((key) => !customAttributes?.[key.name]);
        if (missing.length === 0) return;
        lastError = new Error(`search attributes not registered yet: ${missing.map((k) => k.name).join(', ')}`);
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

async function startWithDownload(
  opts: Required<Pick<DevServerOptions, 'namespace'>> & DevServerOptions,
  dbFilename: string,
  uiPort: number | false,
): Promise<DevServer> {
  opts.log?.('durable-guard: no Temporal CLI found and no Go toolchain; letting @temporalio/testing download it');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      dbFilename,
      namespace: opts.namespace,
      ip: '127.0.0.1',
      port: opts.port || undefined,
      ...(uiPort === false ? {} : { uiPort }),
      searchAttributes: GUARD_SEARCH_ATTRIBUTES,
    },
  });
  const address = env.address;
  return {
    address,
    namespace: opts.namespace,
    uiUrl: uiPort === false ? undefined : `http://localhost:${uiPort}`,
    source: 'download',
    stop: () => env.teardown(),
  };
}

/** Go's collector runs half as often as by default (less server CPU per call, more memory); a set GOGC wins. */
const DEV_SERVER_GO_ENV = { GOGC: '200' };

/**
 * Starts `temporal server start-dev` with a persistent SQLite database (WAL), the Web UI and our search
 * attributes registered, and waits until it answers.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const namespace = options.namespace ?? 'default';
  const port = options.port === 0 ? await freePort() : (options.port ?? 7233);
  const uiPort = options.uiPort === false ? false : options.uiPort === 0 ? await freePort() : (options.uiPort ?? 8233);
  const dbFilename = resolve(options.dbFilename ?? '.data/temporal.db');
  mkdirSync(dirname(dbFilename), { recursive: true });

  const cli = await findTemporalCli({ env: options.env, log });
  if (!cli) return startWithDownload({ ...options, namespace, port, log }, dbFilename, uiPort);

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--db-filename',
    dbFilename,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--log-level',
    'warn',
    ...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...Object.entries(options.sqlitePragmas ?? {}).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]),
    ...Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig }).flatMap(([k, v]) => [
      '--dynamic-config-value',
      `${k}=${JSON.stringify(v)}`,
    ]),
    ...searchAttributeFlags(),
  ];
  const logFile = options.logFile ?? resolve(dirname(dbFilename), 'temporal.log');
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cli.path, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...DEV_SERVER_GO_ENV, ...(options.env ?? process.env) },
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exitReason: string | undefined;
  child.once('exit', (code, signal) => {
    exitReason = `exit code ${code ?? 'none'}, signal ${signal ?? 'none'} (see ${logFile})`;
  });
  const address = `127.0.0.1:${port}`;
  try {
    await waitForServer(address, namespace, options.readyTimeoutMs ?? 60_000, () => exitReason);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === false ? undefined : `http://localhost:${uiPort}`,
    source: cli.source,
    pid: child.pid,
    stop: async () => {
      await stopProcess(child);
      out.end();
    },
  };
}
