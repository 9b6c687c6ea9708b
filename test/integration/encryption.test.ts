import { randomBytes, randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { request } from 'undici';
import { startCodecServerFromEnv } from '../../src/cli/codec-server-command';
import { encryptingDataConverter, ENCRYPTED_ENCODING, payloadsToJson, type CodecServer } from '../../src/codec';
import { integrationEnv, tableDecider } from './helpers';

const keyEnv = { DURABLE_GUARD_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}` };
const dataConverter = encryptingDataConverter([
  { id: 'k1', key: Buffer.from(keyEnv.DURABLE_GUARD_CODEC_KEYS.slice(3), 'base64') },
]);
const decider = tableDecider({
  process_refund: {
    action: 'escalate',
    reason: 'refund over 1000',
    rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 60_000 },
  },
});

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let codecServer: CodecServer;

beforeAll(async () => {
  env = await integrationEnv('encryption', { dataConverter });
  worker = await env.worker(decider, undefined, undefined, { dataConverter });
  running = worker.run();
  codecServer = (await startCodecServerFromEnv({
    port: 0,
    allowedOrigins: ['http://localhost:8233'],
    env: keyEnv,
  })) as CodecServer;
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
  await codecServer.close();
});

async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  // workflowService talks to the server directly: no data converter, the bytes as stored.
  const response = await env.client.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId },
  });
  return response.history as temporal.api.history.v1.IHistory;
}

test('encrypted end to end: no plaintext in the stored history, escalation and approval still work', async () => {
  const secretNote = `customer-note-${randomUUID()}`;
  const escalated = await env.guard.check('process_refund', { note: secretNote, amount: 4200 });
  expect(escalated.action).toBe('escalate');
  const id = escalated.escalationId as string;
  const approvalReason = `approved-because-${randomUUID()}`;
  const approved = await env.guard.approve(id, { by: 'alice', reason: approvalReason });
  expect(approved).toMatchObject({ action: 'allow', decidedBy: { kind: 'human', identity: 'alice' } });
  expect(await env.guard.waitForResult(id)).toMatchObject({ action: 'allow', reason: approvalReason });
  expect(decider.calls.at(-1)?.input).toEqual({ note: secretNote, amount: 4200 });

  const history = await rawHistory(id);
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  for (const plaintext of [secretNote, approvalReason, 'refund over 1000', '"amount"']) {
    expect(bytes.includes(plaintext)).toBe(false);
  }

  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = started?.input?.payloads?.[0] as temporal.api.common.v1.IPayload;
  expect(Buffer.from(input.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
  const summary = history.events?.[0]?.userMetadata?.summary as temporal.api.common.v1.IPayload;
  expect(Buffer.from(summary.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);

  // The codec server (what the Web UI calls) turns the stored payloads back into plaintext.
  const response = await request(`${codecServer.url}/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: 'http://localhost:8233' },
    body: JSON.stringify(payloadsToJson([input as never, summary as never])),
  });
  expect(response.statusCode).toBe(200);
  const decoded = (await response.body.json()) as { payloads: { data: string; metadata: { encoding: string } }[] };
  const [call, summaryText] = decoded.payloads.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString()));
  expect(Buffer.from(decoded.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
  expect(call).toMatchObject({ tool: 'process_refund', input: { note: secretNote, amount: 4200 } });
  expect(summaryText).toBe(`process_refund · check · note="${secretNote.slice(0, 31)}…", amount=4200`);
});
