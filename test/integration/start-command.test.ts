import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { GuardClient } from '../../src/client';
import { readLedger } from '../../examples/tools/ledger-tools';
import { waitFor } from './helpers';

const root = join(__dirname, '..', '..');

/** `npm start` as a newcomer runs it: embedded dev server with Web UI, worker, example policy and tools. */
describe('durable-guard start', () => {
  let child: ChildProcess;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-start-'));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DURABLE_GUARD_DATA_DIR: dataDir };
    delete env.TEMPORAL_ADDRESS;
    child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['src/cli/main.ts', 'start', '--port', '0', '--ui-port', '0', '--api-port', '0'],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => (output.includes('Press Ctrl-C to stop') ? true : undefined), 90_000);
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  test('serves the Web UI where a pending escalation is found with GuardStatus=pending-approval; Ctrl-C stops cleanly', async () => {
    const address = /Temporal at (\S+) \(embedded/.exec(output)?.[1];
    const uiUrl = /Web UI:\s+(\S+)/.exec(output)?.[1];
    expect(address).toBeDefined();
    expect(uiUrl).toMatch(/^http:\/\/localhost:\d+$/);

    const connection = await Connection.connect({ address: address! });
    try {
      const guard = new GuardClient({ client: new Client({ connection }) });
      const pending = await guard.check('process_refund', { amount: 4200 });
      expect(pending.action).toBe('escalate');
      expect(pending.rulesTriggered.map((hit) => hit.id)).toContain('big-refund');
      const id = pending.escalationId as string;

      const query = encodeURIComponent(`WorkflowId = "${id}" AND GuardStatus = "pending-approval"`);
      const listed = await waitFor(async () => {
        const res = await request(`${uiUrl}/api/v1/namespaces/default/workflows?query=${query}`);
        const body = (await res.body.json()) as { executions?: { execution: { workflowId: string } }[] };
        return res.statusCode === 200 && body.executions?.length ? body.executions : undefined;
      });
      expect(listed[0]!.execution.workflowId).toBe(id);
      const page = await request(`${uiUrl}/`);
      expect(page.statusCode).toBe(200);
      await page.body.text();

      const apiUrl = /Approvals:\s+(\S+)\/ \(inbox\)/.exec(output)?.[1];
      const token = /dev approver token \(this run only\): (\S+)/.exec(output)?.[1];
      expect(apiUrl).toBeDefined();
      expect(token).toBeDefined();
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const pendingList = await request(`${apiUrl}/v1/escalations?tool=process_refund`, { headers });
      expect(pendingList.statusCode).toBe(200);
      expect(JSON.stringify(await pendingList.body.json())).toContain(id);
      const approved = await request(`${apiUrl}/v1/escalations/${id}/approve`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reason: 'dev approver from the banner' }),
      });
      expect(approved.statusCode).toBe(200);
      expect(await approved.body.json()).toMatchObject({
        action: 'allow',
        decidedBy: { kind: 'human', identity: 'dev' },
      });
      const executed = await guard.run('process_refund', { amount: 20 }, { callId: 'start-test-refund' });
      expect(executed.toolResult).toEqual({ refunded: 20, currency: 'USD' });
      expect(readLedger(join(dataDir, 'ledger.jsonl')).map((e) => e.key)).toEqual(['start-test-refund']);
    } finally {
      await connection.close();
    }

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping the API, the worker and the dev server');
    await expect(Connection.connect({ address: address!, connectTimeout: 1000 })).rejects.toThrow();
  }, 120_000);
});
