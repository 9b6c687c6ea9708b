import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { createLedgerTools } from '../../examples/tools/ledger-tools';
import { BatchClient, type GuardApprovalError, type GuardInputError } from '../../src/client';
import {
  approveSignal,
  decideUpdate,
  statusQuery,
  type BatchSummary,
  type GuardResult,
} from '../../src/workflows/definitions';
import { INPUT_LIMITS } from '../../src/workflows/input-limits';
import { CURRENT_CHANGES_MARKER } from '../../src/workflows/patches-at-start';
import { refundEscalated } from './fixtures/decisions';
import { iterativeStringify } from './fixtures/iterative-json-converter';
import { integrationEnv, recordHistory, tableDecider } from './helpers';
import { nested } from '../fixtures/hostile-values';

const EventType = temporal.api.enums.v1.EventType;
const decider = tableDecider({ process_refund: refundEscalated({ timeoutMs: 60_000 }) });
const dir = mkdtempSync(join(tmpdir(), 'hostile-input-'));

let env: Awaited<ReturnType<typeof integrationEnv>>;
let worker: Worker;
let running: Promise<void>;
/** A plain Temporal client (not GuardClient) whose JSON writer has no depth limit, as any other client may. */
let anyClient: Client;

beforeAll(async () => {
  env = await integrationEnv('hostile-input');
  worker = await env.worker(decider, createLedgerTools(join(dir, 'ledger.jsonl')));
  running = worker.run();
  anyClient = new Client({
    connection: env.client.connection,
    dataConverter: { payloadConverterPath: require.resolve('./fixtures/iterative-json-converter') },
  });
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.close();
});

function patchIdOf(data: Uint8Array | null | undefined): string | undefined {
  return data ? (JSON.parse(Buffer.from(data).toString()) as { id: string }).id : undefined;
}

async function eventsOf(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => ({
    type: EventType[e.eventType as number] as string,
    marker: e.markerRecordedEventAttributes?.markerName ?? undefined,
    patchId: patchIdOf(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data),
  }));
}

async function expectNoFailedTask(handle: WorkflowHandle): Promise<string[]> {
  const types = (await eventsOf(handle)).map((e) => e.type);
  expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
  return types;
}

async function notStarted(workflowId: string): Promise<void> {
  await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

async function rejection<T>(promise: Promise<unknown>): Promise<T> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as T,
  );
}

test('the test client writes what JSON.stringify writes, at any depth', () => {
  const sample = { a: [1, 'two', null, true, { b: [] }], 'k"ey': 'é\n😀', n: -1.5e-7, e: {} };
  expect(iterativeStringify(sample)).toBe(JSON.stringify(sample));
  expect(() => JSON.stringify(nested(50_000))).toThrow(RangeError);
  expect(iterativeStringify(nested(50_000))).toHaveLength(50_000 * 6 + 2);
});

describe('a guarded call started by any client', () => {
  test('input nested 50,000 levels ends as block "invalid call" naming the limit; no workflow task fails', async () => {
    const workflowId = `deep-${Date.now()}`;
    const handle = await anyClient.workflow.start('guardedCall', {
      args: [{ tool: 'read_file', input: nested(50_000) }],
      taskQueue: env.taskQueue,
      workflowId,
    });
    const result = (await handle.result()) as GuardResult;
    expect(result).toMatchObject({ action: 'block', rulesTriggered: [], escalationId: workflowId });
    expect(result.reason).toMatch(
      /^invalid call: input of tool 'read_file' is nested more than 64 levels deep \(at \/a\/a.*; limit input\.maxDepth\)$/,
    );
    const events = await eventsOf(handle);
    expect(events.map((e) => e.type)).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    // The limit check is a patched path: a call started now takes it through the one marker of the changes asked at
    // start (the recorded history invalid-input-too-deep, from before, has the hostile-input marker and replays so).
    expect(events.filter((e) => e.marker === 'core_patch').map((e) => e.patchId)).toEqual([CURRENT_CHANGES_MARKER]);
    expect(decider.calls.some((c) => c.tool === 'read_file' && 'a' in c.input)).toBe(false);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await recordHistory(handle, 'invalid-input-too-deep');
  });

  test('context, strings and entries over their limits end the same way, each naming its limit', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { tool: 't', input: {}, context: { agent: 'x'.repeat(INPUT_LIMITS.context.maxStringLength + 1) } },
        'context.maxStringLength',
      ],
      [
        { tool: 't', input: { list: Array.from({ length: INPUT_LIMITS.input.maxEntries + 1 }, () => 0) } },
        'input.maxEntries',
      ],
      [{ tool: 't', input: { text: 'y'.repeat(INPUT_LIMITS.input.maxStringLength + 1) } }, 'input.maxStringLength'],
    ];
    for (const [call, limit] of cases) {
      const handle = await anyClient.workflow.start('guardedCall', {
        args: [call],
        taskQueue: env.taskQueue,
        workflowId: `limit-${limit}-${Date.now()}`,
      });
      const result = (await handle.result()) as GuardResult;
      expect(result.action).toBe('block');
      expect(result.reason).toContain(`limit ${limit})`);
      await expectNoFailedTask(handle);
    }
  });

  test('a call within the limits records only the marker of the changes asked at start, none of a limit', async () => {
    const result = await env.guard.check('read_file', { path: '/etc/hosts', deep: nested(60) });
    expect(result.action).toBe('allow');
    const handle = env.client.workflow.getHandle(result.escalationId as string);
    await expectNoFailedTask(handle);
    const markers = (await eventsOf(handle)).filter((e) => e.marker === 'core_patch').map((e) => e.patchId);
    expect(markers).toEqual([CURRENT_CHANGES_MARKER]);
  });
});

describe('GuardClient refuses before anything is started', () => {
  test('input nested 5,000 levels: GuardInputError GUARD_INPUT_LIMIT input.maxDepth, no workflow', async () => {
    const callId = `deep-client-${Date.now()}`;
    const err = await rejection<GuardInputError>(env.guard.check('read_file', nested(5000), { callId }));
    expect(err).toMatchObject({ name: 'GuardInputError', code: 'GUARD_INPUT_LIMIT', limit: 'input.maxDepth' });
    expect(err.message).toContain('nested more than 64 levels deep');
    await notStarted(callId);
  });

  test('a callId too long or with characters outside the charset is refused, saying which', async () => {
    const long = await rejection<GuardInputError>(env.guard.check('t', {}, { callId: 'c'.repeat(257) }));
    expect(long).toMatchObject({ code: 'GUARD_INPUT_LIMIT', limit: 'callIdLength' });
    expect(long.message).toBe('callId is 257 characters long (limit callIdLength: 256)');
    const quoted = await rejection<GuardInputError>(env.guard.run('t', {}, { callId: "x' OR 1=1" }));
    expect(quoted).toMatchObject({ code: 'GUARD_INVALID_CALL', message: expect.stringContaining(`the character "'"`) });
    expect(quoted.limit).toBeUndefined();
    await notStarted("x' OR 1=1");
  });

  test('what JSON cannot write is a GuardInputError, never a raw TypeError or ValueError', async () => {
    const callId = `bigint-${Date.now()}`;
    const err = await rejection<GuardInputError>(
      env.guard.check('t', { amount: 10n as unknown as number }, { callId }),
    );
    expect(err).toMatchObject({ name: 'GuardInputError', code: 'GUARD_INVALID_CALL' });
    expect(err.message).toContain('no BigInt');
    expect(['TypeError', 'ValueError']).toContain((err.cause as Error).name);
    await notStarted(callId);
  });

  test('arbitrary JSON within the limits (unicode, __proto__, constructor keys) gets a decision', async () => {
    const key = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'),
      fc.string({ unit: 'binary' }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 5 }), async (input) => {
        // What arrives is what JSON carries (-0 is 0): compare against the JSON round trip.
        const sent = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
        const result = await env.guard.check('echo', input);
        expect(result.action).toBe('allow');
        const seen = decider.calls.find((c) => c.tool === 'echo' && JSON.stringify(c.input) === JSON.stringify(sent));
        expect(seen).toBeDefined();
      }),
      { numRuns: 15 },
    );
  });
});

describe('approvals', () => {
  test('a deep modifiedInput: GuardClient refuses it, the update validator rejects it, a signal is ignored', async () => {
    const pending = await env.guard.check('process_refund', { amount: 4200 });
    const id = pending.escalationId as string;
    const refused = await rejection<GuardApprovalError>(
      env.guard.approve(id, { by: 'alice', modifiedInput: nested(5000) }),
    );
    expect(refused).toMatchObject({ name: 'GuardApprovalError', code: 'GUARD_INVALID_APPROVAL' });
    expect(refused.message).toContain('limit input.maxDepth');

    const handle = anyClient.workflow.getHandle(id);
    const updateErr = await rejection<WorkflowUpdateFailedError>(
      handle.executeUpdate(decideUpdate, {
        args: [{ decision: 'approve', by: 'mallory', modifiedInput: nested(50_000) }],
      }),
    );
    expect(updateErr).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((updateErr.cause as ApplicationFailure).type).toBe('GUARD_INVALID_APPROVAL');
    expect((updateErr.cause as ApplicationFailure).message).toContain('limit input.maxDepth');

    await handle.signal(approveSignal, { by: 'mallory', modifiedInput: nested(50_000) });
    await handle.signal(approveSignal, { by: 'm'.repeat(INPUT_LIMITS.approval.byLength + 1) });
    expect((await handle.query(statusQuery)).status).toBe('pending-approval');
    const result = await env.guard.deny(id, { by: 'bob', reason: 'no' });
    expect(result).toMatchObject({ action: 'block', reason: 'no', decidedBy: { kind: 'human', identity: 'bob' } });
    await expectNoFailedTask(handle);
    await recordHistory(handle, 'escalate-deep-signal-ignored-deny');
  });
});

describe('batches', () => {
  test('inline items over a limit, sent by any client, are invalid items naming the limit', async () => {
    const batchId = `inline-deep-${Date.now()}`;
    const handle = await anyClient.workflow.start('guardBatch', {
      workflowId: batchId,
      taskQueue: env.taskQueue,
      args: [
        {
          batchId,
          source: {
            items: [
              ...[1, 2, 3, 4].map((orderId) => ({ tool: 'lookup_order', input: { orderId } })),
              { tool: 'lookup_order', input: nested(50_000) },
              null,
              { tool: 'lookup_order', input: {}, callId: 'has space' },
              { tool: 'lookup_order', input: { orderId: 5 } },
            ],
          },
          // Continues as new while the refused items are still ahead of the cursor.
          concurrency: 1,
          historyBudget: 25,
        },
      ],
    });
    const summary = (await handle.result()) as BatchSummary;
    expect(summary).toMatchObject({ state: 'completed', done: 8, total: 8 });
    expect(summary.runs).toBeGreaterThan(1);
    expect(summary.counts.byStatus.invalid).toBe(3);
    expect(summary.counts.byAction.allow).toBe(5);
    expect(summary.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          index: 4,
          status: 'invalid',
          reason: expect.stringContaining('limit input.maxDepth'),
        }),
        expect.objectContaining({ index: 5, status: 'invalid', reason: 'item 5: not a JSON object' }),
        expect.objectContaining({ index: 6, status: 'invalid', reason: expect.stringContaining('"callId"') }),
      ]),
    );
    // The first run continued as new with the refused items ahead of its cursor: they travel as their reasons.
    const firstRun = anyClient.workflow.getHandle(batchId, handle.firstExecutionRunId);
    const events = (await firstRun.fetchHistory()).events ?? [];
    const continued = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    const carried = JSON.parse(
      Buffer.from(
        continued?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0]?.data as Uint8Array,
      ).toString(),
    ) as { source: { items: unknown[] }; carry: { cursor: number } };
    expect(carried.carry.cursor).toBeLessThanOrEqual(4);
    expect(carried.source.items[4]).toEqual({
      tool: '',
      input: {},
      refused: { message: expect.stringContaining('nested more than 64') as string, limit: 'input.maxDepth' },
    });
    expect(carried.source.items[5]).toEqual({ tool: '', input: {}, refused: { message: 'not a JSON object' } });
    expect(carried.source.items[7]).toEqual({ tool: 'lookup_order', input: { orderId: 5 } });
    await expectNoFailedTask(firstRun);
    await expectNoFailedTask(handle);
    await recordHistory(firstRun, 'batch-inline-refused-continue-as-new', handle.firstExecutionRunId);
  });

  test('BatchClient sends an item over a limit as its reason; the batch counts it invalid', async () => {
    const batches = new BatchClient(env.client, env.taskQueue);
    const handle = await batches.submitItems([
      { tool: 'lookup_order', input: nested(5000) },
      { tool: 'lookup_order', input: { orderId: 3 } },
    ]);
    const summary = await handle.result();
    expect(summary.counts.byStatus.invalid).toBe(1);
    expect(summary.problems[0]).toMatchObject({
      index: 0,
      status: 'invalid',
      reason: expect.stringContaining('limit input.maxDepth'),
    });
    await expect(batches.submitItems([], { batchId: 'a b' })).rejects.toMatchObject({ name: 'GuardInputError' });
  });

  test('a file with a line nested 50,000 deep and a line over batchLineBytes: both invalid, the rest runs', async () => {
    const path = join(dir, 'hostile.jsonl');
    const deepLine = `{"tool":"lookup_order","input":${'{"a":'.repeat(50_000)}{}${'}'.repeat(50_000)}}`;
    const hugeLine = JSON.stringify({ tool: 'lookup_order', input: { blob: 'z'.repeat(INPUT_LIMITS.batchLineBytes) } });
    writeFileSync(
      path,
      [
        JSON.stringify({ tool: 'lookup_order', input: { orderId: 4 } }),
        deepLine,
        hugeLine,
        JSON.stringify({ tool: 'lookup_order', input: { orderId: 5 } }),
      ].join('\n'),
    );
    const batches = new BatchClient(env.client, env.taskQueue);
    const handle = await batches.submitFile(path);
    const summary = await handle.result();
    expect(summary).toMatchObject({ state: 'completed', done: 4, total: 4 });
    expect(summary.counts.byAction.allow).toBe(2);
    expect(summary.problems).toEqual([
      expect.objectContaining({ index: 1, status: 'invalid', reason: expect.stringContaining('limit input.maxDepth') }),
      expect.objectContaining({
        index: 2,
        status: 'invalid',
        reason: expect.stringContaining('over the limit batchLineBytes'),
      }),
    ]);
    await expectNoFailedTask(handle);
  });
});

describe('the CLI', () => {
  /** Runs `durable-guard ARGS` as its own process against the test server; resolves with its exit code and output. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const root = join(__dirname, '..', '..');
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', ...args],
        { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: env.address, DURABLE_GUARD_TASK_QUEUE: env.taskQueue } },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  test('check, check --execute and submit print the refusal in one line and exit 1', async () => {
    const deep = JSON.stringify(nested(1000));
    const check = await cli('check', 'read_file', deep);
    expect(check).toMatchObject({ code: 1, stdout: '' });
    expect(check.stderr).toMatch(
      /^error: GUARD_INPUT_LIMIT: input of tool 'read_file' is nested more than 64 levels deep \(at \/a.*; limit input\.maxDepth\) \(the limits: docs\/limits\.md\)\n$/,
    );
    const run = await cli('check', '--execute', '--call-id', 'bad id', 'read_file', '{}');
    expect(run).toMatchObject({ code: 1 });
    expect(run.stderr).toBe(
      'error: GUARD_INVALID_CALL: callId "bad id" has the character " ": use letters, digits and _ . : @ / + = -\n',
    );
    const path = join(dir, 'ok.jsonl');
    writeFileSync(path, `${JSON.stringify({ tool: 'lookup_order', input: {} })}\n`);
    const submit = await cli('submit', path, '--batch-id', 'b'.repeat(300));
    expect(submit).toMatchObject({ code: 1 });
    expect(submit.stderr).toBe(
      'error: GUARD_INPUT_LIMIT: batchId is 300 characters long (limit callIdLength: 256) (the limits: docs/limits.md)\n',
    );
  });
});
