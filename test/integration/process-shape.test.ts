import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { GuardClient } from '../../src/client';
import { readLedger } from '../../examples/tools/ledger-tools';
import { waitFor } from './helpers';

const root = join(__dirname, '..', '..');

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Proc {
  let output = '';
  // node itself (not the tsx wrapper), so the pid is the worker's own and signals reach it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

/**
 * The shape docker-compose uses, as processes: a standalone dev server, two `durable-guard worker` processes on one
 * task queue. SIGTERM to a worker with tools in flight drains them: no call is lost and none runs twice.
 */
describe('separate server and worker processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-shape-'));
  const procs: Proc[] = [];
  let address: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const server = run(['dev-server', '--port', '0', '--ui-port', '0', '--db', join(dir, 'temporal.db')], process.env);
    procs.push(server);
    address = await waitFor(async () => /dev server at (\S+),/.exec(server.output())?.[1], 60_000);
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      DURABLE_GUARD_DATA_DIR: dir,
      DURABLE_GUARD_TASK_QUEUE: 'shape-test',
    };
  }, 90_000);

  afterAll(async () => {
    for (const proc of procs.reverse()) {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  test('SIGTERM drains a worker with tools in flight; every call completes exactly once', async () => {
    const workerA = run(['worker', '--tools', 'examples/tools/index.ts'], env);
    const workerB = run(['worker', '--tools', 'examples/tools/index.ts'], env);
    procs.push(workerB, workerA);
    await waitFor(
      async () =>
        workerA.output().includes('worker polling') && workerB.output().includes('worker polling') ? true : undefined,
      60_000,
    );

    const connection = await Connection.connect({ address });
    try {
      const guard = new GuardClient({ client: new Client({ connection }), taskQueue: 'shape-test' });
      const ids = Array.from({ length: 8 }, (_, i) => `report-${i}`);
      const results = ids.map((callId) => guard.run('generate_report', { name: callId, seconds: 3 }, { callId }));
      await waitFor(async () => {
        const states = await Promise.all(ids.map((id) => guard.status(id).then((s) => s.status)));
        return states.filter((s) => s === 'running-tool').length === ids.length ? true : undefined;
      });
      const terminatedAt = Date.now();
      workerA.child.kill('SIGTERM');
      expect(await workerA.exited).toBe(0);
      expect(workerA.output()).toContain('SIGTERM: draining in-flight tasks');

      const done = await Promise.all(results);
      expect(done.map((r) => r.toolResult)).toEqual(ids.map((id) => ({ report: `${id} ready`, tookMs: 3000 })));
      const ledger = readLedger(join(dir, 'ledger.jsonl'));
      expect(ledger.map((e) => e.key).sort()).toEqual([...ids].sort());
      const byA = ledger.filter((e) => e.pid === workerA.child.pid);
      // Worker A finished its share after it was told to stop: it drained instead of dropping the work.
      expect(byA.length).toBeGreaterThan(0);
      expect(byA.every((e) => Date.parse(e.at) > terminatedAt)).toBe(true);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
