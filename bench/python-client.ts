/**
 * Allow-path latency of the Python client's guard() over Temporal and over HTTP, against a bare workflow start
 * from Python, in one run on a fresh dev server with a worker that allows every call and the API.
 *
 *   BENCH_ONLY=python npm run bench            (or: npx tsx bench/python-client.ts [calls=200])
 */
import { createApproverRegistry, createCallerRegistry } from '../src/approvals';
import type { Decider } from '../src/policy/types';
import { pythonEnv, runPython } from '../test/integration/python/python-env';
import { benchStack } from './bench-stack';

const CALLER_TOKEN = 'bench-caller-token-0123456789';

const allowAll: Decider = { decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'bench' }) };

interface Figures {
  n: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  mean_ms: number;
}

/** Runs the Python bench and returns its lines: one per measured path, p50/p90/p99 in milliseconds. */
export async function benchPythonClient(calls = 200): Promise<string[]> {
  const python = await pythonEnv();
  const stack = await benchStack({
    name: 'py',
    decider: allowAll,
    api: {
      approvers: createApproverRegistry([]),
      callers: createCallerRegistry([{ id: 'bench', token: CALLER_TOKEN }]),
    },
  });
  const api = stack.api as NonNullable<typeof stack.api>;
  try {
    const { code, output } = await runPython(
      python,
      ['bench/allow_latency.py', String(calls)],
      {
        TEMPORAL_ADDRESS: stack.address,
        DURABLE_GUARD_TASK_QUEUE: stack.taskQueue,
        DG_PY_API_URL: api.url,
        DG_PY_CALLER_TOKEN: CALLER_TOKEN,
      },
      600_000,
    );
    if (code !== 0) throw new Error(`python bench exited ${code}:\n${output.slice(-4000)}`);
    const figures = JSON.parse(output.trim().split('\n').pop() as string) as Record<string, Figures>;
    const bare = figures['bare start_workflow (Python SDK)'] as Figures;
    return Object.entries(figures).map(
      ([name, f]) =>
        `${name}: p50 ${f.p50_ms.toFixed(1)} ms, p90 ${f.p90_ms.toFixed(1)} ms, p99 ${f.p99_ms.toFixed(1)} ms, ` +
        `mean ${f.mean_ms.toFixed(1)} ms (n = ${f.n}; p50 ${(f.p50_ms / bare.p50_ms).toFixed(2)}x the bare start)`,
    );
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  benchPythonClient(Number(process.argv[2] ?? 200))
    .then((lines) => console.log(lines.join('\n')))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
