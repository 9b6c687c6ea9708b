/**
 * What the callId conflict check costs: sequential `check()` calls (policy allow) against a real dev server and
 * worker, with random IDs (no check), with new caller-given callIds (one `describe` more), and re-submitting those
 * callIds once their calls have closed (attach + `describe` + result).
 *
 *   npx tsx bench/call-ids.ts [calls=200]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { GuardClient } from '../src/client';
import type { Decider } from '../src/policy/types';
import { startDevServer } from '../src/server/dev-server';
import { createWorker } from '../src/worker';

export interface CallIdBenchResult {
  calls: number;
  /** Mean milliseconds per sequential check. */
  randomIdMs: number;
  callIdMs: number;
  resubmitMs: number;
}

const decider: Decider = { decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'bench' }) };

async function meanMs(ids: (string | undefined)[], check: (id: string | undefined) => Promise<unknown>) {
  const started = performance.now();
  for (const id of ids) await check(id);
  return (performance.now() - started) / ids.length;
}

/** Runs the callId bench and prints its figures. */
export async function benchCallIds(calls = 200, log = (line: string) => console.log(line)): Promise<CallIdBenchResult> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-call-ids-'));
  const server = await startDevServer({ port: 0, uiPort: false, dbFilename: join(dir, 'temporal.db'), log: () => {} });
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const taskQueue = `bench-call-ids-${Date.now()}`;
  const worker = await createWorker({ connection: native, taskQueue, decider });
  const running = worker.run();
  const guard = new GuardClient({ client: new Client({ connection }), taskQueue });
  try {
    const check = (callId: string | undefined) => guard.check('read_file', { path: '/etc/hosts' }, { callId });
    await meanMs(
      Array.from({ length: 20 }, () => undefined),
      check,
    );
    const ids = Array.from({ length: calls }, () => `bench-${randomUUID()}`);
    const result: CallIdBenchResult = {
      calls,
      randomIdMs: await meanMs(
        Array.from({ length: calls }, () => undefined),
        check,
      ),
      callIdMs: await meanMs(ids, check),
      resubmitMs: await meanMs(ids, check),
    };
    const ratio = (ms: number) => (ms / result.randomIdMs).toFixed(2);
    log(
      `check() with a random ID: ${result.randomIdMs.toFixed(1)} ms; with a new callId: ${result.callIdMs.toFixed(1)} ms ` +
        `(${ratio(result.callIdMs)}x); re-submitting a closed callId: ${result.resubmitMs.toFixed(1)} ms ` +
        `(${ratio(result.resubmitMs)}x); ${calls} sequential calls each`,
    );
    return result;
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await server.stop();
  }
}

if (require.main === module) {
  const calls = Number(process.argv[2]) || undefined;
  benchCallIds(calls).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
