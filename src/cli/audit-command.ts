/** `audit export`: the final decisions of guarded calls with their receipts, as JSON Lines. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { auditQuery, type AuditFilters } from '../audit/audit-query';
import { exportAudit } from '../audit/export-audit';
import { dataConverterFromEnv } from '../codec';
import { clientConnectionOptions, loadConnectionConfig, loadGuardConfig } from '../config';
import { loadReceiptKeys } from '../receipts/receipt-keys';
import { INPUT_LIMITS } from '../workflows/input-limits';
import { parsePositiveIntFlag } from './number-flag';
import { fail } from './output';
import { withProgress } from './progress';
import { parseTimeFlag } from './time-flag';

interface AuditFlags {
  since: string;
  until?: string;
  tool?: string;
  batch?: string;
  out?: string;
  concurrency: string;
}

const LINE_HELP = `
Each line is one final decision (a completed guarded call), newest close first:
  {"auditVersion":1, "escalationId", "runId", "tool", "batch"?, "action": allow|modify|block,
   "decidedBy": {"kind": policy|human|timeout|grant, "identity"?, "grantId"?, "at"}, "reason"?,
   "rulesTriggered": [{"id","action","mode","message"?}], "policyVersion"?, "startTime", "closeTime",
   "input": the input the decision is for (approved or modified input, else the call's),
   "receipt": the signed receipt or null, "receiptValid"?: true|false|null, "receiptProblems"?: [...]}
receiptValid is written only when DURABLE_GUARD_RECEIPT_PUBLIC_KEYS or DURABLE_GUARD_RECEIPT_KEYS is set (null:
no receipt). A line is a file \`durable-guard receipt verify\` accepts. Encrypted histories need
DURABLE_GUARD_CODEC_KEYS; a payload whose key is missing stops the export with its key id.
`;

function keywordFlag(text: string | undefined, flag: string, maxLength: number): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '' || text.length > maxLength) {
    throw new Error(`${flag} must be 1 to ${maxLength} characters, got ${text.length === 0 ? 'nothing' : text.length}`);
  }
  return text;
}

/** Parses the flags into filters (everything is checked before Temporal is asked anything). */
export function auditFilters(flags: AuditFlags, taskQueue: string, now: Date): AuditFilters {
  const since = parseTimeFlag(flags.since, '--since', now);
  const until = flags.until !== undefined ? parseTimeFlag(flags.until, '--until', now) : now;
  if (since.getTime() >= until.getTime()) {
    throw new Error(`--since (${since.toISOString()}) must be before --until (${until.toISOString()})`);
  }
  const tool = keywordFlag(flags.tool, '--tool', INPUT_LIMITS.toolNameLength);
  const batch = keywordFlag(flags.batch, '--batch', INPUT_LIMITS.callIdLength);
  return { taskQueue, since, until, ...(tool ? { tool } : {}), ...(batch ? { batch } : {}) };
}

/** Writes to FILE.partial and renames it to FILE once every line is written, so a failed export leaves no FILE. */
async function withOutput(file: string | undefined, run: (out: Writable) => Promise<void>): Promise<void> {
  if (file === undefined) return run(process.stdout);
  const partial = `${file}.partial`;
  const out = createWriteStream(partial, { flags: 'w' });
  try {
    await run(out);
    out.end();
    await finished(out);
    await rename(partial, file);
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

async function auditExport(flags: AuditFlags): Promise<void> {
  const filters = auditFilters(flags, loadGuardConfig().taskQueue, new Date());
  const concurrency = parsePositiveIntFlag(flags.concurrency, '--concurrency', 256);
  const dataConverter = dataConverterFromEnv();
  const receiptKeys = loadReceiptKeys();
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter });
    const query = auditQuery(filters);
    const total = client.workflow.count(query).then(({ count }) => count);
    await withOutput(flags.out, (out) =>
      withProgress(total, 'decisions exported', async (onRecord) => {
        await exportAudit(client, query, out, { concurrency, onRecord, ...(receiptKeys ? { receiptKeys } : {}) });
      }),
    );
  } finally {
    await connection.close();
  }
}

/** Adds `audit export`. */
export function registerAuditCommands(program: Command): Command {
  const audit = program.command('audit').description('export decisions and their receipts for auditors');
  audit
    .command('export')
    .description('stream the final decisions of guarded calls on the task queue as JSON Lines, with receipts')
    .option('--since <time>', 'calls closed after this: a duration ago (24h, 7d) or an ISO 8601 time', '7d')
    .option('--until <time>', 'calls closed at or before this (same forms; default now)')
    .option('--tool <tool>', 'only calls of this tool')
    .option('--batch <batchId>', 'only items of this batch (GuardBatchId)')
    .option('--out <file>', 'write to this file (replaced only once complete) instead of stdout')
    .option('--concurrency <n>', 'history reads at once', '32')
    .addHelpText('after', LINE_HELP)
    .action(async (flags: AuditFlags) => {
      try {
        await auditExport(flags);
      } catch (err) {
        fail(err);
      }
    });
  return program;
}
