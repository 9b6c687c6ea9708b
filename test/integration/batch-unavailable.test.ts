import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { BatchClient, type GuardUnavailable } from '../../src/client';
import { loadConnectionConfig, loadGuardConfig } from '../../src/config';
import { runApi } from '../../src/run-api';
import { closedPort, rejectionWithin } from './helpers';

const BOUND = '1.5s';
/** Far above the bound: a client that hangs fails here, not at Jest's timeout. */
const HANG_GUARD_MS = 8_000;
const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'batch-unavailable-'));

jest.setTimeout(60_000);

function rejection(promise: Promise<unknown>, hangMs = HANG_GUARD_MS): Promise<Error> {
  return rejectionWithin(promise, hangMs);
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code?: number; stderr: string }> {
  return promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
    },
  ).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
  );
}

describe('Temporal unreachable (a closed port)', () => {
  let address: string;
  let connection: Connection;
  let batches: BatchClient;
  const file = join(dir, 'one.jsonl');

  beforeAll(async () => {
    address = `127.0.0.1:${await closedPort()}`;
    connection = Connection.lazy({ address });
    batches = new BatchClient(new Client({ connection, namespace: 'guard-ns' }), 'batch-tq', {
      unavailableAfter: BOUND,
    });
    writeFileSync(file, `${JSON.stringify({ tool: 'lookup_order', input: { orderId: 1 } })}\n`);
  });
  afterAll(async () => {
    await connection.close();
  });

  test('submitItems() throws GuardUnavailable naming the address and the batch', async () => {
    const error = (await rejection(
      batches.submitItems([{ tool: 'lookup_order', input: { orderId: 1 } }], { batchId: 'b-unreachable' }),
    )) as GuardUnavailable;
    expect(error).toMatchObject({
      name: 'GuardUnavailable',
      code: 'GUARD_UNAVAILABLE',
      address,
      namespace: 'guard-ns',
      taskQueue: 'batch-tq',
      operation: 'submit',
      reason: 'unreachable',
      callId: 'b-unreachable',
    });
    expect(error.elapsedMs).toBeGreaterThanOrEqual(1_500);
    expect(error.message).toMatch(
      new RegExp(
        `^guard unavailable: Temporal at ${address}, namespace guard-ns did not answer within \\d+\\.\\d s while submitting the batch \\(batch b-unreachable\\)`,
      ),
    );
    expect(error.message).toContain('submit again with the same batchId');
  });

  test.each<[string, (b: BatchClient) => Promise<unknown>, string]>([
    ['submitFile()', (b) => b.submitFile(file), 'submit'],
    ['progress()', (b) => b.progress('some-batch'), 'progress'],
    ['result()', (b) => b.result('some-batch'), 'batch-result'],
    [
      'items()',
      async (b) => {
        for await (const item of b.items('some-batch')) void item;
      },
      'batch-items',
    ],
  ])('%s throws GuardUnavailable too', async (_name, call, operation) => {
    const error = await rejection(call(batches));
    expect(error).toMatchObject({ name: 'GuardUnavailable', operation, reason: 'unreachable', address });
  });

  test('a bound that is not a duration is refused at construction', () => {
    expect(() => new BatchClient(new Client({ connection }), 'q', { unavailableAfter: 0 })).toThrow(
      expect.objectContaining({ name: 'GuardInputError' }) as Error,
    );
  });

  test.each([
    ['submit', [file]],
    ['results', ['some-batch']],
  ])('the CLI %s prints the message and exits with code 69', async (command, args) => {
    const outcome = await cli([command, ...args, '--unavailable-after', '1s'], { TEMPORAL_ADDRESS: address });
    expect(outcome.code).toBe(69);
    expect(outcome.stderr).toMatch(new RegExp(`^error: GUARD_UNAVAILABLE: guard unavailable: Temporal at ${address}`));
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('the approval API does not start: runApi throws GuardUnavailable, the CLI exits 69 naming the address', async () => {
    const env = {
      TEMPORAL_ADDRESS: address,
      DURABLE_GUARD_API_PORT: String(await closedPort()),
      DURABLE_GUARD_DATA_DIR: dir,
    };
    const error = await rejection(
      runApi({ connection: loadConnectionConfig(env), guard: loadGuardConfig(env) }),
      20_000,
    );
    expect(error).toMatchObject({ name: 'GuardUnavailable', operation: 'connect', reason: 'unreachable', address });
    expect(error.message).toContain('while connecting at startup');
    expect(error.message).toContain('The process did not start and exits');

    const outcome = await cli(['api'], env);
    expect(outcome.code).toBe(69);
    expect(outcome.stderr).toMatch(new RegExp(`error: GUARD_UNAVAILABLE: guard unavailable: Temporal at ${address}`));
  });
});
