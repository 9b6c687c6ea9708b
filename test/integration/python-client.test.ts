/**
 * The Python package (python/) against the real dev server, a TypeScript worker and the HTTP API: pytest runs
 * python/tests with the addresses and tokens in its environment, and this test fails when pytest does.
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../src/api';
import { createApproverRegistry, createCallerRegistry } from '../../src/approvals';
import { encryptingDataConverter } from '../../src/codec';
import { closedPort, integrationEnv, tableDecider, workerForFile } from './helpers';
import { pythonEnv, runPython } from './python/python-env';

const decider = tableDecider({
  send_email: {
    action: 'modify',
    reason: 'PII redacted',
    rulesTriggered: [{ id: 'pii', action: 'modify', mode: 'enforce' }],
  },
  drop_table: {
    action: 'block',
    reason: 'destructive SQL',
    rulesTriggered: [{ id: 'no-drop', action: 'block', mode: 'enforce' }],
  },
  process_refund: {
    action: 'escalate',
    reason: 'refund over 1000',
    rulesTriggered: [{ id: 'big-refund', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 120_000 },
  },
});

const CALLER_TOKEN = 'py-agent-token-0123456789abcdef';
const CALLER_ID = 'py-agent';
const APPROVER_TOKEN = 'alice-token-0123456789abcdef';
const file = workerForFile('python-client', decider);
let api: RunningApi;
let python: string;

// A second worker that encrypts payloads: its first key encrypts, and the Python client is given the same keys the
// other way round, so each side decrypts what the other's first key encrypted (a rotation in progress).
const codecKeys = [
  { id: 'ts-first', key: randomBytes(32) },
  { id: 'py-first', key: randomBytes(32) },
];
let codecEnv: Awaited<ReturnType<typeof integrationEnv>>;
let codecWorker: Worker;
let codecRunning: Promise<void>;

beforeAll(async () => {
  python = await pythonEnv();
  const approvers = createApproverRegistry([{ id: 'alice', groups: ['finance'], token: APPROVER_TOKEN }]);
  api = await startApi({
    client: file.env.client,
    taskQueue: file.env.taskQueue,
    port: 0,
    approvers,
    callers: createCallerRegistry([{ id: CALLER_ID, token: CALLER_TOKEN }], approvers),
    // Short, so that waited calls take the 202 + Location + long-poll path.
    guardWaitMs: 1000,
  });
  const dataConverter = encryptingDataConverter(codecKeys);
  codecEnv = await integrationEnv('python-codec', { dataConverter });
  codecWorker = await codecEnv.worker(decider, undefined, undefined, { dataConverter });
  codecRunning = codecWorker.run();
}, 300_000);

afterAll(async () => {
  await api?.close();
  codecWorker?.shutdown();
  await codecRunning;
  await codecEnv?.close();
});

test('pytest python/tests passes against the dev server, a worker and the API', async () => {
  const { code, output } = await runPython(
    python,
    ['-m', 'pytest', '-q', '-rfE', '-p', 'no:cacheprovider', 'tests'],
    {
      TEMPORAL_ADDRESS: file.env.address,
      TEMPORAL_NAMESPACE: 'default',
      DURABLE_GUARD_TASK_QUEUE: file.env.taskQueue,
      DG_PY_API_URL: api.url,
      DG_PY_CALLER_TOKEN: CALLER_TOKEN,
      DG_PY_CALLER_ID: CALLER_ID,
      DG_PY_APPROVER_TOKEN: APPROVER_TOKEN,
      DG_PY_CLOSED_PORT: String(await closedPort()),
      DG_PY_CODEC_TASK_QUEUE: codecEnv.taskQueue,
      DG_PY_CODEC_KEYS: [...codecKeys]
        .reverse()
        .map(({ id, key }) => `${id}:${key.toString('base64')}`)
        .join(','),
    },
    170_000,
  );
  const summary = output.trim().split('\n').slice(-1)[0] ?? '';
  console.log(`pytest: ${summary}`);
  if (code !== 0) {
    // The short summary (`-rfE`: one line per failed test) first, so a truncated CI log still names them.
    const failed = output.split('\n').filter((line) => /^(FAILED|ERROR) /.test(line));
    const names = failed.join('; ') || summary;
    // The names again last, next to the code frame, where a log cut in the middle still shows them.
    throw new Error(`pytest exited ${code}: ${names}\n${output.slice(-6000)}\npytest exited ${code}: ${names}`);
  }
  expect(summary).toMatch(/\d+ passed/);
  expect(summary).not.toMatch(/failed|error|skipped/);
}, 180_000);
