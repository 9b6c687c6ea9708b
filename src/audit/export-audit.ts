/**
 * `audit export`, streamed: visibility pages in order, each call's history read with bounded concurrency, one JSON
 * line written per decision as soon as its turn comes, so memory holds a window of calls whatever the total.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { readCallHistory } from '../recorded/call-history';
import { orderedReads } from '../recorded/ordered-reads';
import { visibilityRows } from '../recorded/visibility-rows';
import type { ReceiptKeyring } from '../receipts/receipt-keys';
import { auditRecord, type AuditRecord } from './audit-record';

/** Options of {@link auditRecords} and {@link exportAudit}. */
export interface AuditExportOptions {
  /** History reads at once. @default 32 */
  concurrency?: number;
  /** Visibility page size. @default 1000 */
  pageSize?: number;
  /** At most this many decisions. */
  limit?: number;
  /** Keys to verify each receipt with (`receiptValid`). */
  receiptKeys?: ReceiptKeyring;
  /** Told after each line (progress). */
  onRecord?: (done: number) => void;
}

/**
 * The decisions of the runs matching `query` (see `auditQuery`), in visibility order: newest close first, then
 * start time and run ID, whatever the concurrency.
 * @throws Error naming the workflow (and, for an encrypted payload, the codec key id) when a history cannot be read
 */
export async function* auditRecords(
  client: Client,
  query: string,
  { concurrency = 32, pageSize = 1000, limit, receiptKeys }: AuditExportOptions = {},
): AsyncGenerator<AuditRecord> {
  const read = async (row: Parameters<typeof auditRecord>[0]) => {
    try {
      return auditRecord(row, await readCallHistory(client, row), receiptKeys);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (message.startsWith(row.workflowId)) throw err;
      throw new Error(`${row.workflowId}: ${message}`, { cause: err });
    }
  };
  yield* orderedReads(visibilityRows(client, query, pageSize), read, {
    concurrency,
    ...(limit !== undefined ? { limit } : {}),
  });
}

/**
 * Writes one JSON line per decision to `out`, waiting for it to drain when it is full.
 * @returns how many lines were written
 */
export async function exportAudit(
  client: Client,
  query: string,
  out: Writable,
  options: AuditExportOptions = {},
): Promise<number> {
  let written = 0;
  for await (const record of auditRecords(client, query, options)) {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
    written++;
    options.onRecord?.(written);
  }
  return written;
}
