/**
 * Example tools whose side effects are lines in a ledger file (JSON Lines), so tests and demos can count
 * effects. Each effect is keyed by the call's idempotency key: a retried or re-delivered call finds its line
 * and returns the same answer instead of acting twice.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ToolContext, ToolDefinition } from '../../src/activities/tools';

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

/**
 * The keys of a ledger file, loaded once and then only from the tail appended since the last look, so a call
 * costs the new lines, not the whole file (other processes may append to the same file).
 */
export class LedgerIndex {
  private readonly results = new Map<string, unknown>();
  /** Bytes of the file already indexed (always at a line end). */
  private indexedBytes = 0;

  constructor(private readonly path: string) {}

  /** The result recorded for `key`, or undefined when no process has made that effect yet. */
  lookup(key: string): { result: unknown } | undefined {
    this.refresh();
    return this.results.has(key) ? { result: this.results.get(key) } : undefined;
  }

  private refresh(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      // A smaller file was replaced or truncated: start over.
      if (size < this.indexedBytes) {
        this.results.clear();
        this.indexedBytes = 0;
      }
      if (size === this.indexedBytes) return;
      const tail = Buffer.alloc(size - this.indexedBytes);
      const read = readSync(fd, tail, 0, tail.length, this.indexedBytes);
      // A line still being written by another process is left for the next look.
      const complete = tail.lastIndexOf(10, read - 1) + 1;
      for (const line of tail.toString('utf8', 0, complete).split('\n')) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as LedgerEntry;
        if (!this.results.has(entry.key)) this.results.set(entry.key, entry.result);
      }
      this.indexedBytes += complete;
    } finally {
      closeSync(fd);
    }
  }
}

function onceIn(index: LedgerIndex, path: string, tool: string, act: (input: Record<string, unknown>) => unknown) {
  return async (input: Record<string, unknown>, ctx: ToolContext): Promise<unknown> => {
    const done = index.lookup(ctx.idempotencyKey);
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

/**
 * The example tools, writing to the ledger at `path`. The quick ones run as local activities (`local: true`: in
 * the workflow task that decided the call); `generate_report` takes seconds, so it is a regular, heartbeating
 * activity.
 */
export function createLedgerTools(path: string): Record<string, ToolDefinition> {
  const index = new LedgerIndex(path);
  const quick = (tool: string, act: (input: Record<string, unknown>) => unknown): ToolDefinition => ({
    run: onceIn(index, path, tool, act),
    local: true,
  });
  return {
    process_refund: quick('process_refund', (input) => ({
      refunded: input.amount,
      currency: input.currency ?? 'USD',
    })),
    send_email: quick('send_email', (input) => ({ sent: true, to: input.to })),
    export_rows: quick('export_rows', (input) => ({ exported: input.rows })),
    run_shell: quick('run_shell', (input) => ({ simulated: true, cmd: input.cmd })),
    execute_sql: quick('execute_sql', (input) => ({ simulated: true, sql: input.sql })),
    lookup_order: quick('lookup_order', (input) => ({ orderId: input.orderId, status: 'shipped' })),
    // A slow tool, to watch a worker drain in-flight work on SIGTERM.
    generate_report: {
      run: onceIn(index, path, 'generate_report', async (input) => {
        const ms = Math.min(Math.max(Number(input.seconds) || 1, 0), 60) * 1000;
        await new Promise((r) => setTimeout(r, ms));
        return { report: `${input.name ?? 'report'} ready`, tookMs: ms };
      }),
    },
  };
}
