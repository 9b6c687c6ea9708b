/** Worker child processes and a private dev server for the survival tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readLedger } from '../../../examples/tools/ledger-tools';
import type { BatchClient } from '../../../src/client';
import { startDevServer, type DevServer } from '../../../src/server/dev-server';
import type { BatchProgress } from '../../../src/workflows/definitions';

/** Starts worker-process.ts with `npx tsx`; resolves once it polls. */
export async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  return startProcess(['tsx', join(__dirname, 'worker-process.ts')], env, 'ready');
}

/** Starts `durable-guard api` with `npx tsx` on 127.0.0.1:`port`; resolves once it listens. */
export async function startApiProcess(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const main = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');
  return startProcess(
    ['tsx', main, 'api'],
    { ...env, DURABLE_GUARD_API_HOST: '127.0.0.1', DURABLE_GUARD_API_PORT: String(port) },
    'approval API on',
  );
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

async function startProcess(args: string[], env: Record<string, string>, readyText: string): Promise<ChildProcess> {
  const child = spawn('npx', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so kill -9 reaches node behind npx and tsx.
    detached: true,
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[1]} did not start in 30 s: ${stderr}`)), 30_000);
    const onData = (d: Buffer) => {
      if (d.toString().includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      onData(d);
    });
    child.once('exit', (code) => reject(new Error(`${args[1]} exited with ${code}: ${stderr}`)));
  });
  return child;
}

/** kill -9 and wait for the exit. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  // npx runs tsx which runs node: the worker is the whole process group's job, so kill the group.
  process.kill(-(child.pid as number), 'SIGKILL');
  await exited;
}

export async function connect(address: string) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  return { connection, client };
}

export async function waitForProgress(
  batches: BatchClient,
  batchId: string,
  ok: (p: BatchProgress) => boolean,
  timeoutMs = 30_000,
): Promise<BatchProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: BatchProgress | undefined;
  for (;;) {
    last = await batches.progress(batchId).catch(() => last);
    if (last && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not there in time: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Tool effects of one batch: key -> number of ledger lines. */
export function effectsOf(ledger: string, batchId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of readLedger(ledger)) {
    if (e.key.startsWith(`${batchId}/`)) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return counts;
}

export async function privateServer(dbFilename: string, port = 0): Promise<DevServer> {
  return startDevServer({ port, uiPort: false, dbFilename, log: () => undefined });
}
