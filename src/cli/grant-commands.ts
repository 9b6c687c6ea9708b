/** `grants [list|create|revoke]`: standing grants from a shell. */
import type { Command } from 'commander';
import { GrantClient } from '../client/grant-client';
import { loadGuardConfig } from '../config';
import type { GrantState } from '../workflows/grant-definitions';
import { defaultApprover, withGuard } from './call-commands';
import { parseDurationFlag } from './duration-flag';
import { formatTable } from './table';
import { UNAVAILABLE_AFTER_FLAG } from './unavailable-flag';

interface GrantFlags {
  unavailableAfter?: string;
  by?: string;
  groups?: string;
  json?: boolean;
}

function groupsOf(flags: GrantFlags): string[] {
  return (flags.groups ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

const STATES: GrantState[] = ['live', 'revoked', 'expired'];

/**
 * As for decisions from the CLI, `--by` and `--groups` are the sender's claims (whoever may start workflows in the
 * namespace may create a grant); the HTTP API takes them from the token.
 */
export function registerGrantCommands(program: Command): void {
  const grants = program
    .command('grants')
    .description('standing grants: approve every escalation like this, for a while');

  grants
    .command('list', { isDefault: true })
    .description('list the standing grants, newest first')
    .option('--state <state>', `only grants in this state (${STATES.join(', ')})`)
    .option('--tool <name>', 'only grants of this tool')
    .option('--json', 'print JSON instead of a table')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(async (flags: GrantFlags & { state?: string; tool?: string }) => {
      if (flags.state !== undefined && !STATES.includes(flags.state as GrantState)) {
        throw new Error(`--state ${flags.state} is not a grant state (expected ${STATES.join(', ')})`);
      }
      await withGuard(flags, async (guard) => {
        const list = await new GrantClient(guard.client, loadGuardConfig().taskQueue).list({
          ...(flags.state !== undefined ? { state: flags.state as GrantState } : {}),
          ...(flags.tool !== undefined ? { tool: flags.tool } : {}),
        });
        if (flags.json) return list;
        process.stdout.write(
          `${formatTable(
            ['id', 'state', 'tool', 'rule', 'scope', 'by', 'expires', 'swept'],
            list.map((g) => [
              g.id,
              g.state,
              g.scope.tool,
              g.scope.rule,
              (['batch', 'agent', 'caller', 'where'] as const)
                .flatMap((k) => (g.scope[k] !== undefined ? [`${k}=${g.scope[k]}`] : []))
                .join(' ') || '-',
              g.approver,
              g.expiresAt,
              String(g.swept.decided),
            ]),
          )}\n`,
        );
        return undefined;
      });
    });

  grants
    .command('create')
    .description('create a grant from an escalation (--from) or a tool and rule; it approves as you until it expires')
    .option('--from <escalationId>', 'the escalation the grant is made from (its tool and rule)')
    .option('--tool <name>', 'the tool (required without --from)')
    .option('--rule <id>', 'the escalating rule (required without --from, or when it escalated under several)')
    .option('--batch <id>', 'only calls of this batch')
    .option('--agent <name>', 'only calls of this agent')
    .option('--caller <name>', 'only calls of this caller')
    .option('--where <cel>', "a CEL condition over the input, e.g. 'input.amount <= 500'")
    .requiredOption('--for <duration>', "how long it lives, e.g. 8h (at most the rule's maxGrant, default 24h)")
    .requiredOption('--reason <text>', 'why: written into every decision it makes')
    .option('--by <name>', 'approver identity (default: $USER)')
    .option('--groups <list>', 'approver groups, comma-separated (required when the rule has approver groups)')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(
      async (
        flags: GrantFlags & {
          from?: string;
          tool?: string;
          rule?: string;
          batch?: string;
          agent?: string;
          caller?: string;
          where?: string;
          for: string;
          reason: string;
        },
      ) => {
        const durationMs = parseDurationFlag(flags.for, '--for');
        const scope = Object.fromEntries(
          (['tool', 'rule', 'batch', 'agent', 'caller', 'where'] as const).flatMap((k) =>
            flags[k] !== undefined ? [[k, flags[k]]] : [],
          ),
        );
        await withGuard(flags, (guard) =>
          new GrantClient(guard.client, loadGuardConfig().taskQueue).create({
            scope,
            ...(flags.from !== undefined ? { fromEscalation: flags.from } : {}),
            durationMs,
            reason: flags.reason,
            approver: { id: flags.by ?? defaultApprover(), groups: groupsOf(flags) },
          }),
        );
      },
    );

  grants
    .command('revoke')
    .description('revoke a grant: it decides nothing more; what it decided stays decided')
    .argument('<id>', 'grant ID')
    .option('--reason <text>', 'why')
    .option('--by <name>', 'who revokes (default: $USER)')
    .option('--groups <list>', "groups, comma-separated (the creator, or one of the rule's groups, may revoke)")
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(async (id: string, flags: GrantFlags & { reason?: string }) => {
      await withGuard(flags, (guard) =>
        new GrantClient(guard.client, loadGuardConfig().taskQueue).revoke(
          id,
          { id: flags.by ?? defaultApprover(), groups: groupsOf(flags) },
          flags.reason,
        ),
      );
    });
}
