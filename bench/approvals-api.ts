/**
 * Approval API throughput: how many approvals per second the HTTP API sustains on loopback against a real
 * dev server and worker. N escalations are created first, then autocannon approves each exactly once; the
 * bench then checks that every workflow resolved to allow (none lost, none doubled).
 *
 *   npx tsx bench/approvals-api.ts [escalations=500] [connections=20]
 */
import autocannon from 'autocannon';
import { createApproverRegistry } from '../src/approvals';
import { GuardClient } from '../src/client';
import type { Decider } from '../src/policy/types';
import { benchStack } from './bench-stack';

export interface ApprovalsApiBenchOptions {
  /** Escalations created and approved. @default 500 */
  escalations?: number;
  /** Concurrent HTTP connections. @default 20 */
  connections?: number;
  /** A running Temporal frontend (host:port, namespace default with our search attributes); else a dev server. */
  address?: string;
  log?: (line: string) => void;
}

export interface ApprovalsApiBenchResult {
  escalations: number;
  connections: number;
  /** Approvals answered 200 per second of the autocannon run. */
  approvalsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  /** Workflows whose result was not `allow` by the bench approver (must be 0). */
  lost: number;
}

const TOKEN = 'bench-approver-token-0123456789';

const decider: Decider = {
  decide: () => ({
    action: 'escalate',
    reason: 'bench',
    rulesTriggered: [{ id: 'bench', action: 'escalate', mode: 'enforce' }],
    escalation: { timeoutMs: 3_600_000, approverGroups: ['finance'] },
    policyVersion: 'bench',
  }),
};

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Runs the approval API bench and prints its figures. */
export async function benchApprovalsApi(options: ApprovalsApiBenchOptions = {}): Promise<ApprovalsApiBenchResult> {
  const n = options.escalations ?? 500;
  const connections = options.connections ?? 20;
  const log = options.log ?? ((line: string) => console.log(line));
  const stack = await benchStack({
    name: 'api',
    decider,
    ...(options.address ? { address: options.address } : {}),
    api: { approvers: createApproverRegistry([{ id: 'bench', groups: ['finance'], token: TOKEN }]) },
  });
  const api = stack.api as NonNullable<typeof stack.api>;
  // A fresh task queue on a self-hosted server can take more than the default 10 s to hand out its first task.
  const guard = new GuardClient({ client: stack.client, taskQueue: stack.taskQueue, unavailableAfter: '60s' });
  try {
    log(`creating ${n} escalations...`);
    const ids = await inBatches(
      Array.from({ length: n }, (_, i) => i),
      50,
      async (i) => (await guard.check('process_refund', { amount: 1000 + i })).escalationId as string,
    );
    let next = 0;
    const run = await autocannon({
      url: api.url,
      connections,
      amount: n,
      requests: [
        {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: '{}',
          setupRequest: (request) => ({ ...request, path: `/v1/escalations/${ids[next++ % n]}/approve` }),
        },
      ],
    });
    const results = await inBatches(ids, 100, (id) => guard.waitForResult(id));
    const lost = results.filter((r) => r.action !== 'allow' || r.decidedBy?.identity !== 'bench').length;
    const seconds = run.duration;
    const result: ApprovalsApiBenchResult = {
      escalations: n,
      connections,
      approvalsPerSecond: Math.round(run['2xx'] / seconds),
      latencyP50Ms: run.latency.p50,
      latencyP99Ms: run.latency.p99,
      non2xx: run.non2xx,
      lost,
    };
    log(
      `approval API: ${result.approvalsPerSecond} approvals/s over ${connections} connections ` +
        `(p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms), ${n} escalations, ` +
        `${result.non2xx} non-2xx, ${lost} lost`,
    );
    if (run['2xx'] !== n || lost > 0) throw new Error(`bench failed: ${run['2xx']}/${n} approved, ${lost} lost`);
    return result;
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  const [escalations, connections] = process.argv.slice(2).map(Number);
  benchApprovalsApi({ escalations: escalations || undefined, connections: connections || undefined }).catch(
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
