import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { GuardClient } from '../../src/client';
import { freePort } from '../../src/server/dev-server';
import { readLedger } from '../../examples/tools/ledger-tools';
import { runCli as run, type CliProcess as Proc } from '../cluster/harness/cli-process';
import { waitFor } from './helpers';

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
    const tools = ['worker', '--tools', 'examples/tools/index.ts'];
    const workerA = run(tools, env);
    procs.push(workerA);
    await waitFor(async () => (workerA.output().includes('worker polling') ? true : undefined), 60_000);

    const connection = await Connection.connect({ address });
    try {
      // Worker processes started here may take longer than the default 10 s to poll on a loaded machine.
      const guard = new GuardClient({
        client: new Client({ connection }),
        taskQueue: 'shape-test',
        unavailableAfter: '60s',
      });
      const report = (callId: string) => guard.run('generate_report', { name: callId, seconds: 3 }, { callId });
      const first = Array.from({ length: 8 }, (_, i) => `report-${i}`);
      const firstResults = first.map(report);
      // Every tool of the first wave is in flight on worker A before B exists and A is told to stop.
      await waitFor(async () => {
        const states = await Promise.all(first.map((id) => guard.status(id).then((s) => s.status)));
        return states.every((s) => s === 'running-tool') ? true : undefined;
      });
      const terminatedAt = Date.now();
      workerA.child.kill('SIGTERM');
      const workerB = run(tools, env);
      procs.push(workerB);
      const second = Array.from({ length: 4 }, (_, i) => `report-late-${i}`);
      const secondResults = second.map(report);
      expect(await workerA.exited).toBe(0);
      expect(workerA.output()).toContain('SIGTERM: draining in-flight tasks');

      const done = await Promise.all([...firstResults, ...secondResults]);
      const ids = [...first, ...second];
      expect(done.map((r) => r.toolResult)).toEqual(ids.map((id) => ({ report: `${id} ready`, tookMs: 3000 })));
      const ledger = readLedger(join(dir, 'ledger.jsonl'));
      expect(ledger.map((e) => e.key).sort()).toEqual([...ids].sort());
      const pidOf = (key: string) => ledger.find((e) => e.key === key)?.pid;
      // Worker A finished its in-flight tools after it was told to stop: it drained instead of dropping them.
      expect(first.map(pidOf)).toEqual(first.map(() => workerA.child.pid));
      expect(ledger.filter((e) => e.pid === workerA.child.pid).every((e) => Date.parse(e.at) > terminatedAt)).toBe(
        true,
      );
      expect(second.map(pidOf)).toEqual(second.map(() => workerB.child.pid));
    } finally {
      await connection.close();
    }
  }, 120_000);

  test('the approval API as its own process decides through Temporal; SIGTERM finishes in-flight requests, then refuses', async () => {
    const worker = run(['worker'], env);
    procs.push(worker);
    const port = await freePort();
    const token = 'ops-token-0123456789abcdef0123456789';
    const api = run(['api'], {
      ...env,
      DURABLE_GUARD_API_PORT: String(port),
      DURABLE_GUARD_APPROVER_TOKENS: `olga:finance:${token}`,
    });
    procs.push(api);
    await waitFor(
      async () =>
        worker.output().includes('worker polling') && api.output().includes('approval API on') ? true : undefined,
      60_000,
    );

    const connection = await Connection.connect({ address });
    try {
      // Worker processes started here may take longer than the default 10 s to poll on a loaded machine.
      const guard = new GuardClient({
        client: new Client({ connection }),
        taskQueue: 'shape-test',
        unavailableAfter: '60s',
      });
      const pending = await guard.check('process_refund', { amount: 4200 });
      expect(pending.action).toBe('escalate');
      const base = `http://127.0.0.1:${port}`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const inFlight = request(`${base}/v1/escalations/${pending.escalationId}/approve`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reason: 'ok' }),
      });
      await new Promise((r) => setTimeout(r, 20));
      api.child.kill('SIGTERM');
      const answer = await inFlight;
      expect(answer.statusCode).toBe(200);
      expect(await answer.body.json()).toMatchObject({ action: 'allow', decidedBy: { identity: 'olga' } });
      expect(await api.exited).toBe(0);
      // The API logs JSON lines to stderr, each with its request ID, and never the approver token.
      const logLines = api
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { reqId?: string; req?: { url?: string } });
      expect(logLines.some((line) => line.reqId && line.req?.url?.endsWith('/approve'))).toBe(true);
      expect(api.output()).not.toContain(token);
      await expect(request(`${base}/healthz`)).rejects.toThrow();
      expect(await guard.waitForResult(pending.escalationId as string)).toMatchObject({
        decidedBy: { identity: 'olga' },
      });
    } finally {
      await connection.close();
    }
  }, 120_000);
});
