/**
 * A self-hosted Temporal cluster as docker-compose.yml runs it, without Docker: `temporal-server start` (all four
 * services in one process) on a private PostgreSQL, persistence and visibility both in PostgreSQL (postgres12
 * plugin), schemas applied by `temporal-sql-tool`, a `default` namespace, each port a free one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { stringify } from 'yaml';
import { startPostgres, type Postgres } from './postgres';
import { temporalBinaries, TEMPORAL_SERVER_VERSION, type TemporalBinaries } from './temporal-binaries';

const run = promisify(execFile);

/** As docker-compose.yml's temporalio/auto-setup image: NUM_HISTORY_SHARDS defaults to 4 there too. */
export const CLUSTER_HISTORY_SHARDS = 4;
export const CLUSTER_NAMESPACE = 'default';
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

export interface TemporalCluster {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  postgres: Postgres;
  /** PID of the running temporal-server. */
  pid(): number;
  /** kill -9 the server and start it again on the same database and ports; resolves once it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function sqlTool(bins: TemporalBinaries, pg: Postgres, db: string, args: string[]) {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', db];
  await run(bins.sqlTool, [...base, ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** create-database, setup-schema -v 0.0, update-schema to the newest versioned folder: what auto-setup does. */
async function applySchemas(bins: TemporalBinaries, pg: Postgres, log: (line: string) => void) {
  for (const [db, folder] of [
    [DATABASES.temporal, 'temporal'],
    [DATABASES.visibility, 'visibility'],
  ] as const) {
    log(`cluster: temporal-sql-tool: database ${db}, schema ${join(bins.schemaDir, folder, 'versioned')}`);
    await sqlTool(bins, pg, db, ['create-database']);
    await sqlTool(bins, pg, db, ['setup-schema', '-v', '0.0']);
    await sqlTool(bins, pg, db, ['update-schema', '-d', join(bins.schemaDir, folder, 'versioned')]);
  }
}

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** A free loopback port below 32768: the cluster_membership table keeps rpc ports in a smallint. */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function freePorts(): Promise<Ports> {
  const names: (keyof Ports)[] = [
    'frontend',
    'frontendHttp',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
  ];
  const ports: Partial<Ports> = {};
  const taken = new Set<number>();
  for (const name of names) {
    const port = await freeLowPort(taken);
    taken.add(port);
    ports[name] = port;
  }
  return ports as Ports;
}

/** The server's static config: the module's development-postgres12.yaml with our ports and database. */
export function clusterConfig(pg: Pick<Postgres, 'host' | 'port' | 'user'>, ports: Ports, dynamicConfigPath: string) {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...extra },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: CLUSTER_HISTORY_SHARDS,
      datastores: {
        'postgres-default': store(DATABASES.temporal, 20),
        'postgres-visibility': store(DATABASES.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      matching: service(ports.matching, ports.matchingMembership),
      history: service(ports.history, ports.historyMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigPath, pollInterval: '10s' },
  };
}

/** Waits until the frontend answers and the namespace exists (registering it the first time). */
async function waitForFrontend(address: string, exited: () => string | undefined, register: boolean) {
  const deadline = Date.now() + 90_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        if (register) {
          await connection.workflowService
            .registerNamespace({
              namespace: CLUSTER_NAMESPACE,
              workflowExecutionRetentionPeriod: msToTs('1 day'),
            })
            .catch((err: { code?: number }) => {
              if (err.code !== 6) throw err; // ALREADY_EXISTS
            });
        }
        // A namespace is usable once the frontend's namespace cache has it: a list call says so.
        await connection.workflowService.listWorkflowExecutions({ namespace: CLUSTER_NAMESPACE, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`temporal-server at ${address} not ready in 90 s: ${String(lastError)}`);
}

/** Builds (first time), starts PostgreSQL, applies the schemas, starts temporal-server, registers `default`. */
export interface TemporalClusterOptions {
  /** Dynamic config values (`KEY: value`); none by default, as the auto-setup image. */
  dynamicConfig?: Record<string, unknown>;
  log?: (line: string) => void;
}

export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? ((line: string) => console.error(line));
  const started = Date.now();
  const bins = await temporalBinaries(log);
  const postgres = await startPostgres(log);
  const dir = mkdtempSync(join(tmpdir(), 'dg-temporal-'));
  let child: ChildProcess | undefined;
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    child = undefined;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  try {
    await applySchemas(bins, postgres, log);
    const ports = await freePorts();
    mkdirSync(join(dir, 'config'), { recursive: true });
    // As auto-setup's default (config/dynamicconfig/docker.yaml): no dynamic config values unless asked.
    const dynamicConfigPath = join(dir, 'dynamicconfig.yaml');
    const values = Object.entries(options.dynamicConfig ?? {});
    writeFileSync(
      dynamicConfigPath,
      values.length === 0
        ? '# no dynamic config values, as the auto-setup image\n'
        : stringify(Object.fromEntries(values.map(([key, value]) => [key, [{ value }]]))),
    );
    writeFileSync(
      join(dir, 'config', 'development.yaml'),
      stringify(clusterConfig(postgres, ports, dynamicConfigPath)),
    );
    const address = `127.0.0.1:${ports.frontend}`;
    const logFile = join(dir, 'temporal.log');
    let exitNote: string | undefined;
    const launch = async (register: boolean) => {
      exitNote = undefined;
      const out = createWriteStream(logFile, { flags: 'a' });
      const proc = spawn(
        bins.server,
        ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      proc.stdout?.pipe(out);
      proc.stderr?.pipe(out);
      proc.once('exit', (code, signal) => {
        if (child === proc) exitNote = `temporal-server exited (${code ?? signal}); see ${logFile}`;
      });
      child = proc;
      await waitForFrontend(address, () => exitNote, register);
    };
    log(
      `cluster: temporal-server v${TEMPORAL_SERVER_VERSION} at ${address}, ${CLUSTER_HISTORY_SHARDS} shards, log ${logFile}`,
    );
    await launch(true);
    log(`cluster: ready in ${Math.round((Date.now() - started) / 1000)} s (namespace ${CLUSTER_NAMESPACE})`);
    return {
      address,
      namespace: CLUSTER_NAMESPACE,
      postgres,
      pid: () => child?.pid as number,
      async restart() {
        await kill();
        await launch(false);
      },
      async stop() {
        await kill();
        await postgres.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await kill();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
