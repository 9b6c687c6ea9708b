/** `submit` and `results`: run a JSON Lines batch from a shell and read what happened (`status` shows progress). */
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { dataConverterFromEnv } from '../codec';
import { BatchClient } from '../client';
import { clientConnectionOptions, loadConnectionConfig, loadGuardConfig } from '../config';
import { followBatch } from './batch-follow';
import { parseDurationFlag } from './duration-flag';
import { fail, printJson } from './output';
import { UNAVAILABLE_AFTER_FLAG, unavailableAfterOption } from './unavailable-flag';

async function withBatches(
  flags: { unavailableAfter?: string },
  fn: (batches: BatchClient, client: Client) => Promise<void>,
): Promise<void> {
  const config = loadConnectionConfig();
  // Lazy, as for the call commands: an unreachable server surfaces as GuardUnavailable (exit code 69).
  const connection = Connection.lazy(clientConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() });
    await fn(new BatchClient(client, loadGuardConfig().taskQueue, unavailableAfterOption(flags)), client);
  } catch (err) {
    fail(err);
  } finally {
    await connection.close();
  }
}

const IS_BATCH_DEADLINE_MS = 5_000;

/** Whether the workflow with this ID is a batch (so `status` shows its progress). */
export async function isBatch(client: Client, id: string): Promise<boolean> {
  // Bounded: when Temporal does not answer, the guarded-call status that follows reports it.
  const described = await client
    .withDeadline(Date.now() + IS_BATCH_DEADLINE_MS, () => client.workflow.getHandle(id).describe())
    .catch(() => undefined);
  return described?.type === 'guardBatch';
}

export function registerBatchCommands(program: Command): Command {
  program
    .command('submit')
    .description('run a JSON Lines batch ({tool, input, context?, callId?} per line) on the worker')
    .argument('<file>', 'batch file, readable by the worker, e.g. examples/batches/refunds.jsonl')
    .option(
      '--wait',
      'show progress (a bar on a terminal, a line every few seconds otherwise) and how to decide waiting escalations until the batch ends, then print the summary',
    )
    .option('--batch-id <id>', 'batch ID (items are <batchId>/<index>); re-using it attaches to that batch')
    .option('--concurrency <n>', 'items deciding or running at once; pending escalations do not count', '50')
    .option('--timeout <duration>', 'escalation timeout of every item: 30s, 5m, 72h, 2d')
    .option(
      '--mode <mode>',
      "item: each item a guardedCall workflow; page: items decided and run by the page, only escalations become workflows",
      'item',
    )
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(
      async (
        file: string,
        flags: {
          wait?: boolean;
          batchId?: string;
          concurrency: string;
          timeout?: string;
          mode: string;
          unavailableAfter?: string;
        },
      ) =>
        withBatches(flags, async (batches, client) => {
          const concurrency = Number(flags.concurrency);
          if (!Number.isInteger(concurrency) || concurrency < 1) {
            throw new Error(`--concurrency must be a positive integer, got '${flags.concurrency}'`);
          }
          if (flags.mode !== 'item' && flags.mode !== 'page') {
            throw new Error(`--mode must be 'item' or 'page', got '${flags.mode}'`);
          }
          const timeoutMs = flags.timeout === undefined ? undefined : parseDurationFlag(flags.timeout, '--timeout');
          const handle = await batches.submitFile(file, {
            concurrency,
            mode: flags.mode,
            ...(flags.batchId ? { batchId: flags.batchId } : {}),
            ...(timeoutMs !== undefined ? { escalationTimeout: timeoutMs } : {}),
          });
          if (!flags.wait) {
            printJson({ batchId: handle.workflowId, status: `durable-guard status ${handle.workflowId}` });
            return;
          }
          printJson(await followBatch(batches, handle.workflowId, { client, config: loadGuardConfig() }));
        }),
    );

  program
    .command('results')
    .description('every item of a batch: status, action and reason (or the summary of a finished batch)')
    .argument('<batch>', 'batch ID')
    .option('--json', 'print one JSON object per item (JSON Lines)')
    .option(...UNAVAILABLE_AFTER_FLAG)
    .action(async (batchId: string, flags: { json?: boolean; unavailableAfter?: string }) =>
      withBatches(flags, async (batches) => {
        const rows = [];
        for await (const item of batches.items(batchId)) {
          if (flags.json) process.stdout.write(`${JSON.stringify(item)}\n`);
          else rows.push(item);
        }
        if (flags.json) return;
        rows.sort((a, b) => a.index - b.index);
        for (const r of rows) {
          process.stdout.write(
            `${r.itemId}\t${r.tool ?? '-'}\t${r.status ?? r.execution}\t${r.action ?? '-'}\t${r.reason ?? ''}\n`,
          );
        }
        process.stdout.write(`${rows.length} items (from visibility: the newest may lag by a second)\n`);
      }),
    );
  return program;
}
