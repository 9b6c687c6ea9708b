/** `check`, `status`, `approve`, `deny`: guard one call and resolve escalations from a shell. */
import { userInfo } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { BatchClient, GuardApprovalError, GuardClient, type ApprovalOptions } from '../client';
import { dataConverterFromEnv } from '../codec';
import { clientConnectionOptions, loadConnectionConfig, loadGuardConfig } from '../config';
import { isBatch } from './batch-commands';
import { bulkDecideFromShell, bulkFilter, isBulk, type BulkFlags } from './bulk-commands';
import { parseDurationFlag } from './duration-flag';
import { fail, parseJsonObject, printJson } from './output';
import { UNAVAILABLE_AFTER_FLAG, unavailableAfterOption } from './unavailable-flag';

export async function withGuard<T>(
  flags: { unavailableAfter?: string },
  fn: (guard: GuardClient) => Promise<T>,
): Promise<void> {
  const bound = unavailableAfterOption(flags);
  const config = loadConnectionConfig();
  // Lazy: an unreachable server surfaces as the guard's GuardUnavailable (exit code 69), within its bound.
  const connection = Connection.lazy(clientConnectionOptions(config));
  try {
    const guard = new GuardClient({
      client: new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() }),
      taskQueue: loadGuardConfig().taskQueue,
      ...bound,
    });
    const value = await fn(guard);
    if (value !== undefined) printJson(value);
  } catch (err) {
    fail(err);
  } finally {
    await connection.close();
  }
}

export function defaultApprover(): string {
  return process.env.USER || userInfo().username;
}

interface ApprovalFlags extends BulkFlags {
  unavailableAfter?: string;
  by?: string;
  reason?: string;
  input?: string;
  groups?: string;
}

function approvalOptions(flags: ApprovalFlags) {
  return {
    by: flags.by ?? defaultApprover(),
    ...(flags.reason ? { reason: flags.reason } : {}),
    ...(flags.input ? { modifiedInput: parseJsonObject(flags.input, '--input') } : {}),
    ...(flags.groups
      ? {
          groups: flags.groups
            .split(',')
            .map((g) => g.trim())
            .filter((g) => g !== ''),
        }
      : {}),
  };
}

/**
 * Approves or denies; a refusal for missing approver groups says which groups the rule needs and how to pass
 * them (the workflow only sees the groups the decision carries).
 */
async function decideFromShell(guard: GuardClient, id: string, decision: 'approve' | 'deny', flags: ApprovalFlags) {
  const options: ApprovalOptions = approvalOptions(flags);
  try {
    return decision === 'approve' ? await guard.approve(id, options) : await guard.deny(id, options);
  } catch (err) {
    if (!(err instanceof GuardApprovalError) || err.code !== 'GUARD_APPROVER_NOT_ALLOWED') throw err;
    const required = (await guard.status(id).catch(() => undefined))?.approverGroups ?? [];
    const needs = required.length > 0 ? required.join(', ') : 'an approver group';
    throw new GuardApprovalError(
      err.code,
      id,
      `${options.by} may not ${decision} ${id}: the rule requires one of the approver groups ${needs}, and the ` +
        `decision carried ${options.groups ? `only ${options.groups.join(', ')}` : 'none'}; if you hold one, ` +
        `pass it: durable-guard ${decision} ${id} --groups ${required[0] ?? '<group>'}`,
      { cause: err },
    );
  }
}

export function registerCallCommands(program: Command): Command {
  program
    .command('check')
    .description('guard one tool call; prints the decision (escalate returns at once unless --wait)')
    .argument('<tool>', 'tool name, e.g. process_refund')
    .argument('<input>', 'tool input as a JSON object, e.g. \'{"amount": 4200}\'')
    .option('--wait', 'wait for a human decision or the escalation timeout')
    .option('--timeout <duration>', 'escalation timeout, e.g. 5m')
    .option('--call-id <id>', 'workflow ID; re-using it for the same call returns the same result')
    .option('--execute', 'let the worker run the tool after allow/modify')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(
      async (
        tool: string,
        input: string,
        flags: { wait?: boolean; timeout?: string; callId?: string; execute?: boolean; unavailableAfter?: string },
      ) => {
        await withGuard(flags, async (guard) => {
          const options = {
            ...(flags.callId ? { callId: flags.callId } : {}),
            ...(flags.timeout ? { escalationTimeout: parseDurationFlag(flags.timeout, '--timeout') } : {}),
          };
          const args = parseJsonObject(input, '<input>');
          if (flags.execute) return guard.run(tool, args, options);
          return guard.check(tool, args, { ...options, waitForEscalation: flags.wait });
        });
      },
    );

  program
    .command('status')
    .description('show the state of a guarded call or escalation, or the progress of a batch')
    .argument('<id>', 'escalation ID (the workflow ID) or batch ID')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(async (id: string, flags: { unavailableAfter?: string }) =>
      withGuard(flags, async (guard) =>
        (await isBatch(guard.client, id))
          ? new BatchClient(guard.client, loadGuardConfig().taskQueue, unavailableAfterOption(flags)).progress(id)
          : guard.status(id),
      ),
    );

  const bulkOptions = (command: Command) =>
    command
      .option('--batch <id>', 'decide every pending escalation of this batch (a bulk decision)')
      .option('--tool <name>', 'bulk: only this tool')
      .option('--rule <id>', 'bulk: only escalations this rule hit')
      .option('--older-than <duration>', 'bulk: only those waiting longer than this, e.g. 1h')
      .option('--where <cel>', "bulk: a CEL condition over the input, e.g. 'input.amount <= 5000'")
      .option('--dry-run', 'bulk: print how many would be decided, and decide nothing')
      .option('--yes', 'bulk: decide without asking');
  const decideAction = (decision: 'approve' | 'deny') => async (id: string | undefined, flags: ApprovalFlags) => {
    if (id !== undefined && isBulk(flags)) {
      return fail(new Error(`give an escalation ID or bulk filters (--batch, --tool, --rule, --older-than), not both`));
    }
    if (id === undefined && !isBulk(flags)) {
      return fail(new Error(`${decision} needs an escalation ID, or --batch, --tool, --rule or --older-than`));
    }
    if (id !== undefined) return withGuard(flags, (guard) => decideFromShell(guard, id, decision, flags));
    return withGuard(flags, async (guard) => {
      const { by, reason, groups } = approvalOptions(flags);
      await bulkDecideFromShell(
        guard.client,
        loadGuardConfig().taskQueue,
        {
          decision,
          ...(reason ? { reason } : {}),
          filter: bulkFilter(flags),
          approver: { id: by, groups: groups ?? [] },
        },
        flags,
      );
      return undefined;
    });
  };

  bulkOptions(
    program
      .command('approve')
      .description('approve a pending escalation (optionally with edited input), or every one a filter covers')
      .argument('[id]', 'escalation ID')
      .option('--by <name>', 'approver identity (default: $USER)')
      .option('--reason <text>', 'why')
      .option('--input <json>', 'approve with this edited input')
      .option('--groups <list>', 'approver groups, comma-separated (required when the rule has approver groups)')
      .option(...UNAVAILABLE_AFTER_FLAG),
  ).action(decideAction('approve'));

  bulkOptions(
    program
      .command('deny')
      .description('deny a pending escalation, or every one a filter covers')
      .argument('[id]', 'escalation ID')
      .requiredOption('--reason <text>', 'why (shown to the caller)')
      .option('--by <name>', 'approver identity (default: $USER)')
      .option('--groups <list>', 'approver groups, comma-separated (required when the rule has approver groups)')
      .option(...UNAVAILABLE_AFTER_FLAG),
  ).action(decideAction('deny'));
  program
    .command('extend')
    .description("extend a pending approval window, up to the rule's maxWindow")
    .argument('<id>', 'escalation ID')
    .requiredOption('--for <duration>', 'how much longer the window stays open, e.g. 24h')
    .option('--by <name>', 'approver identity (default: $USER)')
    .option('--reason <text>', 'why')
    .option('--groups <list>', 'approver groups, comma-separated (required when the rule has approver groups)')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(async (id: string, flags: ApprovalFlags & { for: string }) =>
      withGuard(flags, (guard) =>
        guard.extend(id, { ...approvalOptions(flags), extendBy: parseDurationFlag(flags.for, '--for') }),
      ),
    );
  return program;
}
