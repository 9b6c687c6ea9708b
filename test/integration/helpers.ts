import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, type ClientInterceptors, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { Agent, request } from 'undici';
import type { NotificationDeps } from '../../src/activities/create-activities';
import type { ToolRegistry } from '../../src/activities/tools';
import { startApi, type ApiOptions, type RunningApi } from '../../src/api';
import { GuardClient } from '../../src/client';
import type { Decider, PolicyDecision, ToolCall } from '../../src/policy/types';
import { findTemporalCli } from '../../src/server/find-cli';
import { createWorker, type CreateWorkerOptions } from '../../src/worker';

let runtimeInstalled = false;

/** Client-side extras of {@link integrationEnv}: interceptors (tracing) and a data converter (encryption). */
export interface IntegrationEnvOptions {
  clientInterceptors?: ClientInterceptors;
  dataConverter?: DataConverter;
}

/** Connections to the run's shared dev server, a unique task queue, and a worker factory. */
export async function integrationEnv(name: string, options: IntegrationEnvOptions = {}) {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = process.env.DG_TEST_ADDRESS;
  if (!address) throw new Error('DG_TEST_ADDRESS is not set: run integration tests through jest (globalSetup)');
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    ...(options.clientInterceptors ? { interceptors: options.clientInterceptors } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
  const nativeConnection = await NativeConnection.connect({ address });
  const guard = new GuardClient({ client, taskQueue });
  return {
    address,
    taskQueue,
    client,
    guard,
    nativeConnection,
    /** `extra` adds worker options (tracing, dataConverter, tuning); tracing selects the bundle with its interceptors. */
    async worker(
      decider: Decider,
      tools?: ToolRegistry,
      notifications?: NotificationDeps,
      extra: Partial<Omit<CreateWorkerOptions, 'connection' | 'taskQueue' | 'decider'>> = {},
    ): Promise<Worker> {
      const bundle = extra.tracing ? process.env.DG_TEST_TRACING_BUNDLE : process.env.DG_TEST_BUNDLE;
      return createWorker({
        connection: nativeConnection,
        taskQueue,
        decider,
        tools,
        notifications,
        workflowBundle: { codePath: bundle as string },
        ...extra,
      });
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A decider built small for tests: a fixed decision per tool, 'allow' otherwise. */
export function tableDecider(
  table: Record<string, Omit<PolicyDecision, 'policyVersion'>>,
  { network = false }: { network?: boolean } = {},
): Decider & { calls: ToolCall[] } {
  const calls: ToolCall[] = [];
  return {
    calls,
    // `network: true` sends every decision through the regular activity, as llm-judge/remote rules do.
    requiresAsync: () => network,
    decide(call) {
      calls.push(call);
      const hit = table[call.tool] ?? { action: 'allow', rulesTriggered: [] };
      if (hit.action === 'modify' && !hit.modifiedInput) {
        return { ...hit, modifiedInput: { ...call.input, redacted: true }, policyVersion: 'test-v1' };
      }
      // Edited input that still carries `forbidden` is refused, so approve-with-edits can be tested.
      if ('forbidden' in call.input) {
        return {
          action: 'block',
          reason: 'forbidden field present',
          rulesTriggered: [{ id: 'no-forbidden', action: 'block', mode: 'enforce' }],
          policyVersion: 'test-v1',
        };
      }
      return { ...hit, policyVersion: 'test-v1' };
    },
  };
}

/**
 * Writes a workflow's history to test/replay/histories/NAME.json when RECORD_HISTORIES=1: its latest run, or the
 * run `runId` (a run that continued as new).
 */
export async function recordHistory(handle: WorkflowHandle, name: string, runId?: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const cli = await findTemporalCli();
  if (!cli) throw new Error('recording histories needs the Temporal CLI');
  const { stdout } = await promisify(execFile)(
    cli.path,
    [
      'workflow',
      'show',
      '--address',
      process.env.DG_TEST_ADDRESS as string,
      '--workflow-id',
      handle.workflowId,
      ...(runId ? ['--run-id', runId] : []),
      '--output',
      'json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const dir = join(__dirname, '..', 'replay', 'histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), stdout);
  // Replays must run under the recorded workflow ID: child IDs and results are derived from it.
  const indexPath = join(dir, 'workflow-ids.json');
  const index = existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as Record<string, string>) : {};
  index[name] = handle.workflowId;
  const sorted = Object.fromEntries(Object.entries(index).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(indexPath, `${JSON.stringify(sorted, null, 2)}\n`);
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Registers beforeAll/afterAll hooks that run one worker for the whole test file; the returned object's `env`
 * is set once the hooks have run.
 */
export function workerForFile(name: string, decider: Decider, tools?: ToolRegistry) {
  const context = {} as { env: Awaited<ReturnType<typeof integrationEnv>> };
  let worker: Worker;
  let running: Promise<void>;
  beforeAll(async () => {
    context.env = await integrationEnv(name);
    worker = await context.env.worker(decider, tools);
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await context.env.close();
  });
  return context;
}

/** A port on 127.0.0.1 that nothing listens on: bound once by us, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The error `promise` rejects with; fails when it resolves, or when it has not settled within `hangMs` (a guard that
 * hangs fails here, not at Jest's timeout).
 */
export async function rejectionWithin(promise: Promise<unknown>, hangMs: number): Promise<Error> {
  const hang = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${hangMs} ms`)), hangMs).unref(),
  );
  try {
    await Promise.race([promise, hang]);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Whether a local activity of `activityType` finished in these events (its marker, written by the workflow task). */
export function localActivityRan(events: readonly HistoryEvent[], activityType: string): boolean {
  return events.some((e) => {
    const details = e.markerRecordedEventAttributes?.details ?? {};
    return Object.values(details).some((payloads) =>
      (payloads.payloads ?? []).some((p) =>
        Buffer.from(p.data ?? [])
          .toString('utf8')
          .includes(`"${activityType}"`),
      ),
    );
  });
}

/** What {@link apiFixture}'s `http` sends: a bearer token, a JSON body or a raw one, extra headers. */
export interface ApiRequest {
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/**
 * Registers beforeAll/afterAll hooks (after {@link workerForFile}'s) that start the approval API on 127.0.0.1 against
 * the file's server and task queue, with an undici agent of `connections`; `http` sends one request to it and answers
 * the status, the body as text and, for a JSON answer, parsed.
 */
export function apiFixture(
  file: { env: Awaited<ReturnType<typeof integrationEnv>> },
  options: Omit<ApiOptions, 'client' | 'taskQueue'> & { connections?: number },
) {
  const { connections = 16, ...apiOptions } = options;
  const agent = new Agent({ connections });
  const fixture = {} as { api: RunningApi };
  beforeAll(async () => {
    fixture.api = await startApi({ client: file.env.client, taskQueue: file.env.taskQueue, port: 0, ...apiOptions });
  });
  afterAll(async () => {
    await fixture.api.close();
    await agent.close();
  });
  async function http(method: 'GET' | 'POST' | 'DELETE', path: string, req: ApiRequest = {}) {
    const headers: Record<string, string> = { ...req.headers };
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    let body: string | undefined = req.raw;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const res = await request(`${fixture.api.url}${path}`, { method, headers, body, dispatcher: agent });
    const text = await res.body.text();
    const type = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, json: type.includes('json') ? JSON.parse(text) : undefined, text };
  }
  return Object.assign(fixture, { http });
}
