/**
 * Jest hooks for one cluster test file: a fresh temporal-server on PostgreSQL with our search attributes
 * registered by the real `durable-guard setup`, and the processes the file started killed at the end.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliProcess } from './cli-process';
import { startTemporalCluster, type TemporalCluster } from './temporal-cluster';

/** Why the cluster suite cannot run here (set by global-setup.ts), or undefined. */
export const clusterSkipReason = process.env.DG_CLUSTER_SKIP;

/** `describe` when the cluster can be had, else `describe.skip` with the reason printed. */
export function describeCluster(name: string, body: () => void): void {
  if (clusterSkipReason) {
    console.warn(`${name}: skipped, ${clusterSkipReason}`);
    describe.skip(name, body);
  } else {
    describe(name, body);
  }
}

export interface ClusterContext {
  cluster: TemporalCluster;
  /** Temp dir of this file: the ledger of the example tools lands here. */
  dir: string;
  /** Environment of the durable-guard processes, as docker-compose.yml's x-durable-guard block sets it. */
  env: NodeJS.ProcessEnv;
  setupOutput: string;
  /** Starts a `durable-guard` command; it is killed after the file. */
  spawn(args: string[], extraEnv?: NodeJS.ProcessEnv): CliProcess;
}

export function clusterForFile(taskQueue: string): ClusterContext {
  const context = { dir: mkdtempSync(join(tmpdir(), 'dg-cluster-')) } as ClusterContext;
  const procs: CliProcess[] = [];
  beforeAll(async () => {
    context.cluster = await startTemporalCluster({ log: (line) => process.stderr.write(`${line}\n`) });
    context.env = {
      ...process.env,
      TEMPORAL_ADDRESS: context.cluster.address,
      TEMPORAL_NAMESPACE: context.cluster.namespace,
      DURABLE_GUARD_TASK_QUEUE: taskQueue,
      DURABLE_GUARD_POLICY: 'policies/example.yaml',
      DURABLE_GUARD_DATA_DIR: context.dir,
    };
    context.spawn = (args, extraEnv = {}) => {
      const proc = runCli(args, { ...context.env, ...extraEnv });
      procs.push(proc);
      return proc;
    };
    const setup = context.spawn(['setup']);
    const code = await setup.exited;
    context.setupOutput = setup.output();
    if (code !== 0) throw new Error(`durable-guard setup failed (${code}):\n${setup.output()}`);
  }, 240_000);
  afterAll(async () => {
    for (const proc of procs) await proc.killHard();
    await context.cluster?.stop();
  }, 60_000);
  return context;
}
