/**
 * Calls recorded under policies/example.yaml, with the backtest's stricter candidate as the worker's shadow policy,
 * for the Policies page's tests: what each rule hits and how the shadow disagrees, known exactly.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { loadCandidate } from '../../src/backtest/candidate';
import { recordedCallsQuery } from '../../src/backtest/recorded-query';
import { runBacktest } from '../../src/backtest/run-backtest';
import { saveBacktest, type SavedBacktest } from '../../src/backtest/saved-backtest';
import { GuardClient } from '../../src/client';
import { PolicyEngine } from '../../src/policy';
import { ShadowPolicy } from '../../src/shadow/shadow-policy';
import type { integrationEnv } from './helpers';
import { waitFor } from './helpers';

type Env = Awaited<ReturnType<typeof integrationEnv>>;

export const EXAMPLE_POLICY = join(__dirname, '..', '..', 'policies', 'example.yaml');
export const STRICTER_CANDIDATE = join(__dirname, 'fixtures', 'backtest', 'stricter.yaml');

/** The calls: tool, input, how many, and the human's decision for escalations. */
const PLAN: { tool: string; input: Record<string, unknown>; n: number; decide?: ('approve' | 'deny')[] }[] = [
  { tool: 'get_order', input: { orderId: 'o-1' }, n: 8 }, // allow, no rule; shadow allow
  { tool: 'process_refund', input: { amount: 700 }, n: 4 }, // allow, no rule; shadow escalate
  { tool: 'send_email', input: { to: 'a@example.com', body: 'Customer jane@example.org' }, n: 3 }, // modify: outgoing-pii
  // block: payment-over-limit, payment-needs-approval, huge-refund, big-refund; shadow block
  { tool: 'process_refund', input: { amount: 60000 }, n: 2 },
  // escalate: payment-needs-approval, big-refund; shadow escalate
  { tool: 'process_refund', input: { amount: 2000 }, n: 3, decide: ['approve', 'approve', 'deny'] },
  // escalate: payment-needs-approval, big-refund; shadow block (refund-cap)
  { tool: 'process_refund', input: { amount: 8000 }, n: 2, decide: ['approve', 'deny'] },
];

export const RECORDED_CALLS = PLAN.reduce((sum, p) => sum + p.n, 0);

/** Each rule of example.yaml (and the recommended.yaml it extends) and the recorded calls that name it. */
export const EXPECTED_HITS: Record<string, number> = {
  'shell-dangerous': 0,
  'sql-destructive': 0,
  secrets: 0,
  'egress-internal': 0,
  'outgoing-pii': 3,
  'payment-over-limit': 2,
  'payment-needs-approval': 7,
  'huge-refund': 2,
  'big-refund': 7,
  'no-rm-rf': 0,
  'upload-files': 0,
  'large-export': 0,
};

/** live action -> shadow action -> calls. */
export const EXPECTED_SHADOW = {
  allow: { allow: 8, escalate: 4 },
  modify: { modify: 3 },
  escalate: { escalate: 3, block: 2 },
  block: { block: 2 },
};

/** A worker with example.yaml live and the stricter candidate as shadow; returns what to stop. */
export async function policiesWorker(env: Env) {
  const shadow = new ShadowPolicy([STRICTER_CANDIDATE]);
  const worker = await env.worker(PolicyEngine.fromFiles([EXAMPLE_POLICY]), undefined, undefined, { shadow });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      shadow.close();
    },
  };
}

/** Records the plan's calls and decides its escalations; resolves once all are closed in visibility. */
export async function recordPolicyCalls(env: Env): Promise<void> {
  // A patient client: the shared machine can take seconds to decide.
  const guard = new GuardClient({ client: env.client, taskQueue: env.taskQueue, unavailableAfter: '2 minutes' });
  const limit = pLimit(8);
  await Promise.all(
    PLAN.flatMap(({ tool, input, n, decide }) =>
      Array.from({ length: n }, (_, i) =>
        limit(async () => {
          const result = await guard.check(tool, input);
          const decision = decide?.[i];
          if (decision === 'approve') await guard.approve(result.escalationId!, { by: 'fin', groups: ['finance'] });
          if (decision === 'deny')
            await guard.deny(result.escalationId!, { by: 'fin', groups: ['finance'], reason: 'no' });
        }),
      ),
    ),
  );
  const closed = `WorkflowType = 'guardedCall' AND TaskQueue = '${env.taskQueue}' AND ExecutionStatus = 'Completed'`;
  await waitFor(
    async () => ((await env.client.workflow.count(closed)).count === RECORDED_CALLS ? true : undefined),
    180_000,
  );
}

/** Backtests the stricter candidate on the recorded calls and saves it as `policy backtest --save` does. */
export async function saveStricterBacktest(
  env: Env,
  file: string,
  saved: Omit<SavedBacktest, 'summary'>,
): Promise<void> {
  const query = recordedCallsQuery({ sinceMs: 3_600_000, query: `TaskQueue = '${env.taskQueue}'` }, new Date());
  const summary = await runBacktest(env.client, loadCandidate([STRICTER_CANDIDATE]), query, { concurrency: 8 });
  await saveBacktest(file, { ...saved, summary });
}
