/** `api` (the approval API and inbox) and `escalations` (list pending ones from a shell). */
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { dataConverterFromEnv } from '../codec';
import { listEscalations, type EscalationSummary } from '../api';
import { loadApprovers } from '../approvals';
import { clientConnectionOptions, describeConnection, loadConnectionConfig, loadGuardConfig } from '../config';
import { onShutdownSignal } from '../lifecycle/shutdown';
import { runApi } from '../run-api';
import { parseDuration } from '../policy/duration';
import { fail, printJson } from './output';

async function api() {
  const guard = loadGuardConfig();
  const connectionConfig = loadConnectionConfig();
  const approvers = await loadApprovers();
  if (approvers.size === 0) {
    console.error(
      'durable-guard: no approvers configured (DURABLE_GUARD_APPROVERS or DURABLE_GUARD_APPROVER_TOKENS): nobody can decide',
    );
  }
  const running = await runApi({ connection: connectionConfig, guard, approvers });
  console.error(
    `durable-guard: approval API on ${running.url} (inbox ${running.url}/), Temporal ${describeConnection(connectionConfig)}, ` +
      `task queue ${guard.taskQueue}, links ${guard.linkSecret ? 'on' : 'off (set DURABLE_GUARD_LINK_SECRET)'}`,
  );
  onShutdownSignal(async (signal) => {
    console.error(`durable-guard: ${signal}: no new requests; finishing the ones in flight`);
    await running.close();
  });
}

/** A fixed-width table of pending escalations. */
export function escalationTable(rows: EscalationSummary[], now = Date.now()): string {
  const header = ['ID', 'TOOL', 'WAITING', 'EXPIRES IN', 'APPROVERS', 'REASON'];
  const minutes = (ms: number) => (ms < 0 ? 'expired' : `${Math.round(ms / 60_000)}m`);
  const lines = rows.map((r) => [
    r.id,
    r.tool,
    minutes(now - Date.parse(r.startedAt)),
    r.expiresAt ? minutes(Date.parse(r.expiresAt) - now) : '-',
    r.approverGroups.length ? r.approverGroups.join(',') : 'anyone',
    r.reason ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface EscalationFlags {
  tool?: string;
  batch?: string;
  olderThan?: string;
  limit: string;
  json?: boolean;
}

async function escalations(flags: EscalationFlags) {
  const duration = (name: string, text?: string) => {
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) throw new Error(`--${name} ${text} is not a duration like 10m or 2h`);
    return ms;
  };
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Error(`--limit ${flags.limit}: use 1 to 100`);
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const olderThanMs = duration('older-than', flags.olderThan);
    const page = await listEscalations(
      new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() }),
      {
        taskQueue: loadGuardConfig().taskQueue,
        pageSize: limit,
        ...(flags.tool ? { tool: flags.tool } : {}),
        ...(flags.batch ? { batch: flags.batch } : {}),
        ...(olderThanMs !== undefined ? { olderThanMs } : {}),
      },
    );
    if (flags.json) printJson(page);
    else if (page.escalations.length === 0) console.log('no pending escalations');
    else console.log(escalationTable(page.escalations));
  } finally {
    await connection.close();
  }
}

export function registerApiCommands(program: Command): Command {
  program
    .command('api')
    .description('run the HTTP approval API and the approvals inbox (DURABLE_GUARD_API_HOST:DURABLE_GUARD_API_PORT)')
    .action(() => api().catch(fail));
  program
    .command('escalations')
    .description('list escalations waiting for approval (visibility query GuardStatus = pending-approval)')
    .option('--tool <name>', 'only this tool')
    .option('--batch <id>', 'only this batch')
    .option('--older-than <duration>', 'only those waiting longer than this, e.g. 1h')
    .option('--limit <n>', 'at most this many (1-100)', '50')
    .option('--json', 'print JSON instead of a table')
    .action((flags: EscalationFlags) => escalations(flags).catch(fail));
  return program;
}
