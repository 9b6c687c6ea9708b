#!/usr/bin/env node
/** The `durable-guard` command. */
import { Command } from 'commander';
import { registerAuditCommands } from './audit-command';
import { registerBatchCommands } from './batch-commands';
import { registerApiCommands } from './api-command';
import { registerCallCommands } from './call-commands';
import { registerCodecServerCommand } from './codec-server-command';
import { registerGrantCommands } from './grant-commands';
import { registerPolicyCommands } from './policy-command';
import { registerReceiptCommands } from './receipt-commands';
import { registerServerCommands } from './server-commands';

/** Builds the command tree (tests parse it without running a process). */
export function buildProgram(): Command {
  const program = new Command('durable-guard').description(
    'guard AI-agent tool calls with durable Temporal escalations',
  );
  registerServerCommands(program);
  registerCallCommands(program);
  registerPolicyCommands(program);
  registerBatchCommands(program);
  registerApiCommands(program);
  registerGrantCommands(program);
  registerCodecServerCommand(program);
  registerReceiptCommands(program);
  registerAuditCommands(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    });
}
