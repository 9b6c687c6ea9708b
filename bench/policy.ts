import path from 'node:path';

import { PolicyEngine, loadPolicyFile } from '../src/policy';
import type { ToolCall } from '../src/policy';
import type { BenchResult } from './bench-result';

/** Decisions per second we aim for on one core. */
export const policyGoal = 500_000;

/** A mix of calls like an agent's day: mostly harmless, some refunds, emails, shell, SQL and exports. */
export const sampleCalls: ToolCall[] = [
  { tool: 'get_order', input: { orderId: 'o-123' } },
  { tool: 'search_kb', input: { query: 'how do I reset my password', limit: 5 } },
  { tool: 'process_refund', input: { amount: 120, orderId: 'o-1' } },
  { tool: 'process_refund', input: { amount: 4200, orderId: 'o-2' } },
  { tool: 'process_refund', input: { amount: 60000, orderId: 'o-3' } },
  { tool: 'send_email', input: { to: 'customer', subject: 'Your order', body: 'Your order has shipped.' } },
  {
    tool: 'send_email',
    input: { to: 'customer', subject: 'Hi', body: 'Reach me at jane@example.org or 555-123-4567' },
  },
  { tool: 'run_shell', input: { command: 'ls -la /tmp' } },
  { tool: 'run_shell', input: { command: 'rm -rf /' } },
  { tool: 'execute_sql', input: { sql: 'SELECT id FROM orders WHERE id = 7' } },
  { tool: 'execute_sql', input: { sql: 'DROP TABLE orders' } },
  { tool: 'export_orders', input: { rows: 25000, format: 'csv' } },
];

/**
 * Measures `decideStatic` throughput for policies/example.yaml over {@link sampleCalls}: warms up, then runs
 * for at least `seconds`.
 */
export async function benchPolicy(seconds = 1.5): Promise<BenchResult[]> {
  const engine = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../policies/example.yaml'))]);
  const now = new Date();
  const calls = sampleCalls;
  let sink = 0;
  const runBatch = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const decision = engine.decideStatic(calls[i % calls.length] as ToolCall, now);
      sink += decision.rulesTriggered.length;
    }
  };
  runBatch(200_000);
  await new Promise((resolve) => setImmediate(resolve));
  const batch = 50_000;
  let operations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    runBatch(batch);
    operations += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  if (sink < 0) throw new Error('unreachable');
  const opsPerSec = operations / elapsed;
  return [
    {
      name: `policy decideStatic (example.yaml, ${calls.length}-call mix)`,
      opsPerSec,
      goal: policyGoal,
      ratio: opsPerSec / policyGoal,
      operations,
      seconds: elapsed,
    },
  ];
}
