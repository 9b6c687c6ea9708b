/**
 * Example tools whose side effects are lines in a ledger file (JSON Lines), so tests and demos can count
 * effects. Each effect is keyed by the call's idempotency key: a retried or re-delivered call finds its line
 * and returns the same answer instead of acting twice.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ToolContext, ToolRegistry } from '../../src/activities/tools';

export interface LedgerEntry {
  key: string;
  tool: string;
  input: Record<string, unknown>;
  result: unknown;
  at: string;
  /** The worker process that made the effect. */
  pid: number;
}

/** Reads every entry of a ledger file (none when it does not exist yet). */
export function readLedger(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}

function once(path: string, tool: string, act: (input: Record<string, unknown>) => unknown) {
  return async (input: Record<string, unknown>, ctx: ToolContext): Promise<unknown> => {
    const done = readLedger(path).find((entry) => entry.key === ctx.idempotencyKey);
    if (done) return done.result;
    const result = await act(input);
    const entry: LedgerEntry = {
      key: ctx.idempotencyKey,
      tool,
      input,
      result,
      at: new Date().toISOString(),
      pid: process.pid,
    };
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `${JSON.stringify(entry)}\n`);
    return result;
  };
}

/** The example tools, writing to the ledger at `path`. */
export function createLedgerTools(path: string): ToolRegistry {
  return {
    process_refund: once(path, 'process_refund', (input) => ({
      refunded: input.amount,
      currency: input.currency ?? 'USD',
    })),
    send_email: once(path, 'send_email', (input) => ({ sent: true, to: input.to })),
    export_rows: once(path, 'export_rows', (input) => ({ exported: input.rows })),
    run_shell: once(path, 'run_shell', (input) => ({ simulated: true, cmd: input.cmd })),
    execute_sql: once(path, 'execute_sql', (input) => ({ simulated: true, sql: input.sql })),
    lookup_order: once(path, 'lookup_order', (input) => ({ orderId: input.orderId, status: 'shipped' })),
    // A slow tool, to watch a worker drain in-flight work on SIGTERM.
    generate_report: once(path, 'generate_report', async (input) => {
      const ms = Math.min(Math.max(Number(input.seconds) || 1, 0), 60) * 1000;
      await new Promise((r) => setTimeout(r, ms));
      return { report: `${input.name ?? 'report'} ready`, tookMs: ms };
    }),
  };
}
