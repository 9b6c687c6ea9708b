/** `approve --batch ...` / `deny --batch ...`: one bulk decision over a filter, confirmed, with a progress bar. */
import { createInterface } from 'node:readline/promises';
import type { Client } from '@temporalio/client';
import { Presets, SingleBar } from 'cli-progress';
import { BulkDecisionClient, type BulkDecisionRequest } from '../client/bulk-decisions';
import type { BulkDecisionProgress, BulkFilter } from '../workflows/bulk-definitions';
import { parseDurationFlag } from './duration-flag';
import { printJson } from './output';

/** The filter flags of a bulk approve or deny. */
export interface BulkFlags {
  batch?: string;
  tool?: string;
  rule?: string;
  olderThan?: string;
  where?: string;
  dryRun?: boolean;
  yes?: boolean;
}

/** Whether the flags ask for a bulk decision rather than one escalation. */
export function isBulk(flags: BulkFlags): boolean {
  return [flags.batch, flags.tool, flags.rule, flags.olderThan].some((v) => v !== undefined);
}

export function bulkFilter(flags: BulkFlags): BulkFilter {
  return {
    ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
    ...(flags.tool !== undefined ? { tool: flags.tool } : {}),
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(flags.olderThan !== undefined ? { olderThanMs: parseDurationFlag(flags.olderThan, '--older-than') } : {}),
    ...(flags.where !== undefined ? { where: flags.where } : {}),
  };
}

/** A terminal's yes, or a clear refusal without one. */
async function confirm(question: string, count: number): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new Error(
      `not deciding ${count} escalations without confirmation: there is no terminal to ask on; ` +
        'check them with --dry-run, then pass --yes',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function follow(bulk: BulkDecisionClient, id: string, total: number): Promise<BulkDecisionProgress> {
  const result = bulk.result(id);
  if (!process.stderr.isTTY) return result;
  const bar = new SingleBar(
    {
      format:
        '{bar} {value}/{total} | decided {decided} | already decided {already} | not allowed {denied} | other {other}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  const line = (p: BulkDecisionProgress) => ({
    decided: p.counts.decided,
    already: p.counts['already-decided'],
    denied: p.counts['not-allowed'],
    other: p.counts['timed-out'] + p.counts['not-matched'] + p.counts.failed,
  });
  bar.start(
    Math.max(total, 1),
    0,
    line({
      counts: { decided: 0, 'already-decided': 0, 'not-allowed': 0, 'timed-out': 0, 'not-matched': 0, failed: 0 },
    } as BulkDecisionProgress),
  );
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    await new Promise((r) => setTimeout(r, 500));
    const p = await bulk.progress(id).catch(() => undefined);
    if (!p) continue;
    bar.setTotal(Math.max(total, p.seen, 1));
    bar.update(p.seen, line(p));
  }
  const done = await result;
  bar.setTotal(Math.max(total, done.seen, 1));
  bar.update(done.seen, line(done));
  bar.stop();
  return done;
}

/**
 * Counts what the filter covers; with `--dry-run` prints that; otherwise asks (unless `--yes`), starts the
 * `bulkDecision` workflow and follows it to the end. Identity and groups are the sender's claims, as for one
 * decision from the CLI (whoever may start workflows in the namespace may decide).
 */
export async function bulkDecideFromShell(
  client: Client,
  taskQueue: string,
  request: BulkDecisionRequest,
  flags: BulkFlags,
): Promise<void> {
  const bulk = new BulkDecisionClient(client, taskQueue);
  const { count, sample } = await bulk.dryRun(request);
  if (flags.dryRun) {
    printJson({ dryRun: true, count, sample });
    return;
  }
  if (count === 0) {
    printJson({ count: 0, message: 'no pending escalation matches the filter; nothing to decide' });
    return;
  }
  const verb = request.decision === 'approve' ? 'Approve' : 'Deny';
  if (!flags.yes && !(await confirm(`${verb} ${count} pending escalations as ${request.approver.id}?`, count))) {
    process.stderr.write('nothing decided\n');
    return;
  }
  const id = await bulk.start(request);
  process.stderr.write(`bulk decision ${id} started (durable: follow it with durable-guard status ${id})\n`);
  printJson(await follow(bulk, id, count));
}
