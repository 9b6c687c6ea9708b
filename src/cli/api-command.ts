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
import { groupEscalations, parseGroupBy } from '../api/escalation-groups';
import { groupTable } from './group-table';
import { formatTable, minutesCell } from './table';
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
  const lines = rows.map((r) => [
    r.id,
    r.tool,
    minutesCell(now - Date.parse(r.startedAt)),
    r.expiresAt ? minutesCell(Date.parse(r.expiresAt) - now) : '-',
    r.approverGroups.length ? r.approverGroups.join(',') : 'anyone',
    r.reason ?? '-',
  ]);
  return formatTable(header, lines);
}

interface EscalationFlags {
  tool?: string;
  batch?: string;
  olderThan?: string;
  limit: string;
  json?: boolean;
  groupBy?: string;
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
    const client = new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() });
    if (flags.groupBy !== undefined) {
      const by = parseGroupBy(flags.groupBy);
      const grouped = await groupEscalations(client, {
        taskQueue: loadGuardConfig().taskQueue,
        by,
        pageSize: limit,
        ...(flags.tool ? { tool: flags.tool } : {}),
        ...(flags.batch ? { batch: flags.batch } : {}),
        ...(olderThanMs !== undefined ? { startedBefore: new Date(Date.now() - olderThanMs).toISOString() } : {}),
      });
      if (flags.json) printJson(grouped);
      else if (grouped.groups.length === 0) console.log('no pending escalations');
      else
        console.log(
          `${groupTable(by, grouped.groups)}\n${grouped.total} pending${grouped.truncated ? ' (truncated)' : ''}`,
        );
      return;
    }
    const page = await listEscalations(client, {
      taskQueue: loadGuardConfig().taskQueue,
      pageSize: limit,
      ...(flags.tool ? { tool: flags.tool } : {}),
      ...(flags.batch ? { batch: flags.batch } : {}),
      ...(olderThanMs !== undefined ? { olderThanMs } : {}),
    });
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
    .option('--group-by <keys>', 'group by any of batch, tool, rule (in this order), e.g. batch,tool')
    .action((flags: EscalationFlags) => escalations(flags).catch(fail));
  return program;
}
