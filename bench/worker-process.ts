/**
 * The benchmarks' worker in its own process (test/integration/survival/worker-process.ts), so its RSS is its own,
 * and the figures read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { BatchClient } from '../src/client';
import { WORKFLOWS_PATH } from '../src/worker';
import type { BatchProgress } from '../src/workflows/definitions';

/** Resident memory of a process now, in MB (0 once it has gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Starts the worker process with these DG_* variables (and Node flags, e.g. --cpu-prof); resolves once it polls. */
export async function startWorker(env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildProcess> {
  const script = join(__dirname, '..', 'test', 'integration', 'survival', 'worker-process.ts');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return child;
}

/**
 * Bundles the workflow code into `dir` and starts a worker process on `taskQueue` with its ledger in `dir`
 * (more DG_* variables in `env`).
 */
export async function startBenchWorker(
  address: string,
  taskQueue: string,
  dir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  writeFileSync(join(dir, 'bundle.js'), bundle.code);
  return startWorker(
    {
      DG_ADDRESS: address,
      DG_TASK_QUEUE: taskQueue,
      DG_LEDGER: join(dir, 'ledger.jsonl'),
      DG_BUNDLE: join(dir, 'bundle.js'),
      ...env,
    },
    nodeArgs,
  );
}

/** Polls a batch's progress until `ok` holds. */
export async function untilBatch(
  batches: BatchClient,
  id: string,
  ok: (p: BatchProgress) => boolean,
): Promise<BatchProgress> {
  for (;;) {
    const p = await batches.progress(id).catch(() => undefined);
    if (p && ok(p)) return p;
    await new Promise((r) => setTimeout(r, 500));
  }
}
