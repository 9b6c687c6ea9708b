/**
 * `check()` starts the call and receives its decision in one request (update-with-start): counted on the wire
 * through a gRPC interceptor on the client's connection. The update is accepted in the call's first workflow
 * task, and the histories it leaves replay (test/replay).
 */
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { GuardClient } from '../../src/client';
import { refundEscalated, rmRfBlocked } from './fixtures/decisions';
import { integrationEnv, recordHistory, tableDecider } from './helpers';

const E = temporal.api.enums.v1.EventType;
const decider = tableDecider({
  run_shell: rmRfBlocked,
  process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
});

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let guard: GuardClient;
const sent: string[] = [];

const counting: Interceptor = (options, nextCall) => {
  sent.push(options.method_definition.path.replace(/^.*\//, ''));
  return new InterceptingCall(nextCall(options));
};

/** The requests `fn` sends through the counting connection. */
async function requestsOf(fn: () => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await fn();
  return [...sent];
}

beforeAll(async () => {
  env = await integrationEnv('round-trip');
  worker = await env.worker(decider);
  running = worker.run();
  connection = await Connection.connect({
    address: env.address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), counting],
  });
  guard = new GuardClient({ client: new Client({ connection }), taskQueue: env.taskQueue });
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await env.close();
});

async function firstTaskAcceptsUpdate(workflowId: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  const accepted = types.indexOf(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  expect(accepted).toBeGreaterThan(0);
  // The update came with the start: the first workflow task accepts it, no task of its own.
  const tasksBefore = types.slice(0, accepted).filter((t) => t === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  expect(tasksBefore).toHaveLength(1);
}

test.each([
  ['allow', 'read_file', { path: '/tmp/a' }, 'allow'],
  ['block', 'run_shell', { command: 'rm -rf /' }, 'block'],
  ['escalate', 'process_refund', { amount: 4200 }, 'escalate'],
])('a %s check() is one ExecuteMultiOperation request', async (name, tool, input, action) => {
  let result: Awaited<ReturnType<GuardClient['check']>> | undefined;
  const requests = await requestsOf(async () => {
    result = await guard.check(tool, input);
  });
  expect(result).toMatchObject({ action });
  expect(requests).toEqual(['ExecuteMultiOperation']);
  const workflowId = (result as { escalationId?: string }).escalationId;
  if (workflowId) {
    await firstTaskAcceptsUpdate(workflowId);
    await recordHistory(env.client.workflow.getHandle(workflowId), `check-update-with-start-${name}`);
  }
});

test('a check() under a callId is one request too (the result carries its fingerprint); a closed callId answers', async () => {
  const callId = `round-trip-${Date.now()}`;
  let first: unknown;
  expect(
    await requestsOf(async () => {
      first = await guard.check('read_file', { path: '/tmp/b' }, { callId });
    }),
  ).toEqual(['ExecuteMultiOperation']);
  expect(first).toMatchObject({ action: 'allow' });
  await firstTaskAcceptsUpdate(callId);
  await recordHistory(env.client.workflow.getHandle(callId), 'check-update-with-start-call-id');
  await env.client.workflow.getHandle(callId).result();
  // Closed: REJECT_DUPLICATE refuses a second run, and the closed execution's result is the answer.
  expect(await guard.check('read_file', { path: '/tmp/b' }, { callId })).toEqual(first);
  await expect(guard.check('read_file', { path: '/tmp/c' }, { callId })).rejects.toMatchObject({
    name: 'GuardCallIdConflict',
  });
  const { executions } = await env.client.workflowService.listWorkflowExecutions({
    namespace: 'default',
    query: `WorkflowId = '${callId}'`,
  });
  expect(executions).toHaveLength(1);
});
