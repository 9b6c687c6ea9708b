import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Worker } from '@temporalio/worker';
import { createNotifier } from '../../src/activities/notify';
import { integrationEnv, recordHistory, tableDecider, waitFor } from './helpers';

const secret = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let receiver: Server;
const received: Received[] = [];
let failuresLeft = 2;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end('try later');
        return;
      }
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  env = await integrationEnv('notifications');
  const notifier = createNotifier({ targets: [{ name: 'finance-hook', url, secret, format: 'standard' }] });
  const decider = tableDecider(
    {
      process_refund: {
        action: 'escalate',
        reason: 'refund over 1000',
        rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
        escalation: { channels: ['finance-hook'] },
      },
      wire_money: {
        action: 'escalate',
        reason: 'wire transfer',
        rulesTriggered: [{ id: 'wire', action: 'escalate', mode: 'enforce' }],
        escalation: { channels: ['no-such-channel'] },
      },
    },
    { network: true },
  );
  worker = await env.worker(decider, undefined, {
    notifier,
    linkFor: (id, decision, channel) => `http://guard.test/v1/links/${decision}/${id}/${channel}`,
    inboxUrl: 'http://guard.test/',
  });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
  await new Promise((r) => receiver.close(r));
});

test('escalation webhooks are retried after failures, signed per Standard Webhooks, with links', async () => {
  const pending = await env.guard.check('process_refund', { amount: 4200 });
  const id = pending.escalationId as string;
  await env.guard.approve(id, { by: 'alice' });
  const deliveries = await waitFor(async () => (received.length >= 2 ? received : undefined), 45_000);
  const events = deliveries.map(({ headers, body }) => {
    const verified = new Webhook(secret).verify(body, headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    return verified;
  });
  const created = events.find((e) => e.type === 'escalation.created');
  const resolved = events.find((e) => e.type === 'escalation.resolved');
  expect(created?.data).toMatchObject({
    escalationId: id,
    tool: 'process_refund',
    links: { approve: `http://guard.test/v1/links/approve/${id}/finance-hook`, inbox: 'http://guard.test/' },
  });
  expect(resolved?.data).toMatchObject({ escalationId: id, decision: 'approve', decidedBy: 'alice' });
  expect(failuresLeft).toBe(0);
  await recordHistory(env.client.workflow.getHandle(id), 'escalate-notify-approve');
  expect(() =>
    new Webhook(`whsec_${Buffer.from('another-secret-of-32-bytes-len!!').toString('base64')}`).verify(
      deliveries[0]!.body,
      deliveries[0]!.headers as Record<string, string>,
    ),
  ).toThrow();
}, 60_000);

test('an undeliverable channel never blocks the escalation or its result, and starts no notification', async () => {
  const pending = await env.guard.check('wire_money', { amount: 1 });
  const id = pending.escalationId as string;
  const result = await env.guard.deny(id, { by: 'bob', reason: 'no' });
  expect(result.action).toBe('block');
  expect(await env.guard.waitForResult(id)).toMatchObject({ action: 'block', reason: 'no' });
  // No webhook and no local outbox for the channel: neither event starts a notification workflow for it.
  const handle = env.client.workflow.getHandle(id);
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
  for (const type of ['created', 'resolved']) {
    await expect(
      env.client.workflow.getHandle(`${id}:notify:escalation.${type}:no-such-channel`).describe(),
    ).rejects.toThrow(/not found/i);
  }
  await recordHistory(handle, 'escalate-undeliverable-channel-deny');
});
