/**
 * Many final decisions made fast, for the audit export's test and benchmark: guarded calls started straight on the
 * task queue (decision-only, two tools, two batches and calls in none), decided by a small decider as allow,
 * block, modify or escalate; escalations then approved or denied by signal, or left to a 1 s window.
 */
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import type { Decider, PolicyDecision } from '../src/policy/types';
import { approveSignal, denySignal } from '../src/workflows/definitions';

/** How one planned call ends. */
export type PlannedOutcome = 'allow' | 'block' | 'modify' | 'approve' | 'deny' | 'timeout';

/** One planned call and the final decision it should get. */
export interface PlannedCall {
  workflowId: string;
  tool: 'get_order' | 'process_refund';
  batch?: string;
  outcome: PlannedOutcome;
  input: { i: number; outcome: PlannedOutcome };
}

/** 4 in 10 allowed, then one each of block, modify, deny and timeout, two approved. */
const OUTCOMES: PlannedOutcome[] = [
  'allow',
  'allow',
  'allow',
  'allow',
  'block',
  'modify',
  'approve',
  'approve',
  'deny',
  'timeout',
];

/** The approver of the planned approvals and denials. */
export const PLAN_APPROVER = 'auditor-test';

/** N calls: outcomes cycle by 10, the tool by 20, the batch (A, B, none) by 40. */
export function auditPlan(n: number, prefix: string, batches: [string, string]): PlannedCall[] {
  return Array.from({ length: n }, (_, i): PlannedCall => {
    const outcome = OUTCOMES[i % OUTCOMES.length] as PlannedOutcome;
    const batch = [batches[0], batches[1], undefined][Math.floor(i / 40) % 3];
    return {
      workflowId: `${prefix}-${i}`,
      tool: Math.floor(i / 20) % 2 === 0 ? 'get_order' : 'process_refund',
      ...(batch !== undefined ? { batch } : {}),
      outcome,
      input: { i, outcome },
    };
  });
}

const rule = (id: string, action: PolicyDecision['action']) => [{ id, action, mode: 'enforce' as const }];

/** Decides a planned call from its input's `outcome`; static, so the worker decides in a local activity. */
export const auditDecider: Decider = {
  decide({ input }) {
    const policyVersion = 'audit-v1';
    switch (input.outcome) {
      case 'block':
        return { action: 'block', reason: 'planned block', rulesTriggered: rule('plan-block', 'block'), policyVersion };
      case 'modify':
        return {
          action: 'modify',
          reason: 'planned modify',
          modifiedInput: { ...input, redacted: true },
          rulesTriggered: rule('plan-modify', 'modify'),
          policyVersion,
        };
      case 'approve':
      case 'deny':
      case 'timeout':
        return {
          action: 'escalate',
          reason: 'planned escalation',
          rulesTriggered: rule('plan-escalate', 'escalate'),
          escalation: { timeoutMs: 10 * 60_000 },
          policyVersion,
        };
      default:
        return { action: 'allow', rulesTriggered: [], policyVersion };
    }
  },
};

async function untilCount(client: Client, query: string, n: number, log: (line: string) => void, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let last = -1; ;) {
    const { count } = await client.workflow.count(query);
    if (count >= n) return;
    if (count !== last) log(`${count}/${n}: ${query}`);
    last = count;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} after ${timeoutMs} ms: ${query}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Starts every planned call, signals the approvals and denials once all escalations are pending, and waits until
 * every call is completed on the task queue.
 */
export async function recordDecisions(
  client: Client,
  taskQueue: string,
  plan: readonly PlannedCall[],
  {
    log = () => undefined,
    timeoutMs = 600_000,
    concurrency = 32,
  }: { log?: (line: string) => void; timeoutMs?: number; concurrency?: number } = {},
): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    plan.map((p) =>
      limit(() =>
        client.workflow.start('guardedCall', {
          taskQueue,
          workflowId: p.workflowId,
          args: [
            {
              tool: p.tool,
              input: p.input,
              ...(p.batch !== undefined ? { context: { batch: p.batch } } : {}),
              // The caller's window wins over the rule's: 1 s for the calls meant to time out.
              ...(p.outcome === 'timeout' ? { escalationTimeoutMs: 1000 } : {}),
            },
          ],
        }),
      ),
    ),
  );
  const humans = plan.filter((p) => p.outcome === 'approve' || p.outcome === 'deny');
  const onQueue = `WorkflowType = 'guardedCall' AND TaskQueue = '${taskQueue}'`;
  // Every call decided by the policy: the humans' (10-minute windows) are all pending, so no signal comes early.
  const decided = `${onQueue} AND (ExecutionStatus = 'Completed' OR GuardStatus = 'pending-approval')`;
  await untilCount(client, decided, plan.length, log, timeoutMs);
  await Promise.all(
    humans.map((p) =>
      limit(() =>
        client.workflow.getHandle(p.workflowId).signal(p.outcome === 'approve' ? approveSignal : denySignal, {
          by: PLAN_APPROVER,
          reason: `planned ${p.outcome}`,
        }),
      ),
    ),
  );
  await untilCount(client, `${onQueue} AND ExecutionStatus = 'Completed'`, plan.length, log, timeoutMs);
}
