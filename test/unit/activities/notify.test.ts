import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { createNotifier, eventMessageId, notifyTarget } from '../../../src/activities/notify';
import type { EscalationEvent } from '../../../src/activities/notify';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

async function receiver(status: number, delayMs = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status >= 400 ? `receiver says ${status}` : 'ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/guard`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const created: EscalationEvent = {
  type: 'escalation.created',
  escalationId: 'guard-42',
  tool: 'process_refund',
  input: { amount: 4200, note: '<b>&' },
  reason: 'refund over 1000 needs approval',
  rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
  expiresAt: '2030-01-01T00:00:00.000Z',
  links: {
    approve: 'https://guard.example/a/approve-token',
    deny: 'https://guard.example/a/deny-token',
    inbox: 'https://guard.example/inbox',
  },
};

const receivers: Receiver[] = [];
async function open(status: number, delayMs = 0): Promise<Receiver> {
  const r = await receiver(status, delayMs);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the delivery to fail');
}

describe('notifyTarget (standard)', () => {
  test('signs per Standard Webhooks: the receiver verifies the body with the secret', async () => {
    const r = await open(204);
    const delivery = await notifyTarget({ url: r.url, secret, format: 'standard' }, created);
    expect(delivery).toMatchObject({ status: 204, messageId: eventMessageId(created) });

    const [hit] = r.received;
    const headers = {
      'webhook-id': String(hit?.headers['webhook-id']),
      'webhook-timestamp': String(hit?.headers['webhook-timestamp']),
      'webhook-signature': String(hit?.headers['webhook-signature']),
    };
    expect(headers['webhook-id']).toBe(eventMessageId(created));
    const verified = new Webhook(secret).verify(hit?.body ?? '', headers) as Record<string, unknown>;
    expect(verified).toMatchObject({
      type: 'escalation.created',
      data: { escalationId: 'guard-42', tool: 'process_refund' },
    });
    expect(verified.data).toMatchObject({ input: { amount: 4200 }, links: created.links });
  });

  test('a tampered body or another secret fails verification', async () => {
    const r = await open(200);
    await notifyTarget({ url: r.url, secret, format: 'standard' }, created);
    const [hit] = r.received;
    const headers = hit?.headers as Record<string, string>;
    expect(() => new Webhook(secret).verify((hit?.body ?? '').replace('4200', '9999'), headers)).toThrow();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(hit?.body ?? '', headers)).toThrow();
  });

  test('the webhook-id is stable for an event and differs between created and resolved', () => {
    expect(eventMessageId(created)).toBe(eventMessageId({ ...created, reason: 'changed' }));
    expect(eventMessageId(created)).not.toBe(eventMessageId({ ...created, type: 'escalation.resolved' }));
    expect(eventMessageId(created)).not.toBe(eventMessageId({ ...created, escalationId: 'guard-43' }));
  });

  test('without a secret no signature headers are sent', async () => {
    const r = await open(200);
    await notifyTarget({ url: r.url, format: 'standard' }, created);
    expect(r.received[0]?.headers['webhook-signature']).toBeUndefined();
  });

  test.each([500, 503, 429, 408])('%i -> plain retryable Error', async (status) => {
    const r = await open(status);
    const error = await failureOf(notifyTarget({ name: 'ops', url: r.url, format: 'standard' }, created));
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error.message).toBe(`webhook ops answered ${status}: receiver says ${status}; will retry`);
  });

  test.each([400, 401, 404, 410])('%i -> non-retryable ApplicationFailure', async (status) => {
    const r = await open(status);
    const error = await failureOf(notifyTarget({ name: 'ops', url: r.url, format: 'standard' }, created));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'GUARD_WEBHOOK_REJECTED', nonRetryable: true });
    expect(error.message).toMatch(new RegExp(`^webhook ops answered ${status}: receiver says ${status}; not retrying`));
  });

  test('a redirect is a permanent misconfiguration', async () => {
    const r = await open(301);
    const error = await failureOf(notifyTarget({ url: r.url, format: 'standard' }, created));
    expect(error).toMatchObject({ nonRetryable: true, message: expect.stringContaining('must not redirect') });
  });

  test('a slow receiver -> retryable timeout error', async () => {
    const r = await open(200, 500);
    const error = await failureOf(notifyTarget({ url: r.url, format: 'standard' }, created, { fetchTimeoutMs: 100 }));
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error.message).toMatch(/did not answer within 100 ms; will retry/);
  });

  test('nobody listening -> retryable network error', async () => {
    const r = await receiver(200);
    await r.close();
    const error = await failureOf(notifyTarget({ url: r.url, format: 'standard' }, created));
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    expect(error.message).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/guard unreachable/);
  });

  test.each([
    [{ url: 'not a url', format: 'standard' as const }, /url is not a valid URL/],
    [{ url: 'ftp://x.example/', format: 'standard' as const }, /must be http or https/],
    [{ url: 'https://x.example/', format: 'standard' as const, secret: 'whsec_***' }, /not a Standard Webhooks secret/],
    [{ url: 'https://x.example/', format: 'teams' as never }, /format must be 'standard' or 'slack'/],
  ])('refuses a bad target %#', async (target, message) => {
    await expect(notifyTarget(target, created)).rejects.toThrow(message);
  });
});

describe('notifyTarget (slack)', () => {
  test('posts { text, blocks } with approve/deny/inbox link buttons and escaped text', async () => {
    const r = await open(200);
    await notifyTarget({ url: r.url, format: 'slack' }, created);
    const message = JSON.parse(r.received[0]?.body ?? '{}') as { text: string; blocks: Record<string, unknown>[] };
    expect(message.text).toBe('Approval needed for process_refund (guard-42): refund over 1000 needs approval');
    const actions = message.blocks.find((block) => block.type === 'actions') as {
      elements: { action_id: string; url: string; style?: string }[];
    };
    expect(actions.elements.map(({ action_id, url, style }) => ({ action_id, url, style }))).toEqual([
      { action_id: 'approve', url: created.links?.approve, style: 'primary' },
      { action_id: 'deny', url: created.links?.deny, style: 'danger' },
      { action_id: 'inbox', url: created.links?.inbox, style: undefined },
    ]);
    expect(r.received[0]?.body).toContain('&lt;b&gt;&amp;');
    expect(r.received[0]?.body).not.toContain('<b>');
  });

  test('a resolved event has no buttons and says who decided', async () => {
    const r = await open(200);
    const resolved: EscalationEvent = { ...created, type: 'escalation.resolved', decision: 'deny', decidedBy: 'bob' };
    await notifyTarget({ url: r.url, format: 'slack' }, resolved);
    const message = JSON.parse(r.received[0]?.body ?? '{}') as { text: string; blocks: { type: string }[] };
    expect(message.text).toBe('Escalation guard-42 (process_refund) denied by bob: refund over 1000 needs approval');
    expect(message.blocks.map((block) => block.type)).toEqual(['section', 'context']);
  });

  test('errors do not reveal the Slack webhook path', async () => {
    const r = await open(403);
    const error = await failureOf(notifyTarget({ url: r.url, format: 'slack' }, created));
    expect(error.message).not.toContain('/hooks/guard');
    expect(error.message).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+\/… answered 403/);
  });
});

describe('createNotifier', () => {
  test('notify reaches every target; a failing target does not block the others', async () => {
    const good = await open(200);
    const bad = await open(500);
    const slack = await open(200);
    const notifier = createNotifier({
      targets: [
        { name: 'audit', url: good.url, secret, format: 'standard' },
        { name: 'broken', url: bad.url, format: 'standard' },
        { name: 'slack-ops', url: slack.url, format: 'slack' },
      ],
      fetchTimeoutMs: 2000,
    });
    const results = await notifier.notify(created);
    expect(results.map((result) => [result.target, result.ok])).toEqual([
      ['audit', true],
      ['broken', false],
      ['slack-ops', true],
    ]);
    expect([good.received.length, bad.received.length, slack.received.length]).toEqual([1, 1, 1]);
  });

  test('notifyTarget by name; an unknown name is a non-retryable failure listing the configured names', async () => {
    const good = await open(200);
    const notifier = createNotifier({ targets: [{ name: 'audit', url: good.url, format: 'standard' }] });
    await expect(notifier.notifyTarget('audit', created)).resolves.toMatchObject({ target: 'audit', status: 200 });
    const error = await failureOf(notifier.notifyTarget('pager', created));
    expect(error).toMatchObject({ type: 'GUARD_UNKNOWN_CHANNEL', nonRetryable: true });
    expect(error.message).toBe("no webhook target named 'pager' (configured: audit)");
  });

  test('refuses duplicate names and bad targets at creation', () => {
    expect(() =>
      createNotifier({
        targets: [
          { name: 'a', url: 'https://x.example/', format: 'standard' },
          { name: 'a', url: 'https://y.example/', format: 'slack' },
        ],
      }),
    ).toThrow(/name 'a' is used twice/);
    expect(() => createNotifier({ targets: [{ url: 'nope', format: 'standard' }] })).toThrow(
      /webhook-1.*not a valid URL/,
    );
  });
});
