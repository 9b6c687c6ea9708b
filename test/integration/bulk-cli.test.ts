import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerTools } from '../../examples/tools/ledger-tools';
import { pendingEscalationsQuery } from '../../src/approvals/escalation-query';
import { loadPolicyFile, PolicyEngine } from '../../src/policy';
import type { BulkDecisionProgress } from '../../src/workflows/bulk-definitions';
import { statusQuery, type BatchSummary } from '../../src/workflows/definitions';
import { runCli, spawnCli } from './cli-process';
import { workerForFile } from './helpers';

const root = join(__dirname, '..', '..');
const decider = new PolicyEngine([loadPolicyFile(join(root, 'policies', 'example.yaml'))]);
const ledger = join(mkdtempSync(join(tmpdir(), 'bulk-cli-')), 'ledger.jsonl');
const file = workerForFile('bulk-cli', decider, createLedgerTools(ledger));

const cliEnv = () => ({
  TEMPORAL_ADDRESS: file.env.address,
  DURABLE_GUARD_TASK_QUEUE: file.env.taskQueue,
  DURABLE_GUARD_PUBLIC_URL: 'https://guard.example.com',
  USER: 'alice',
});

async function pendingOf(batch: string): Promise<number> {
  const query = pendingEscalationsQuery({ taskQueue: file.env.taskQueue, batch });
  return (await file.env.client.workflow.count(query)).count;
}

/** The words of a hinted command after `durable-guard` (batch IDs here need no quoting). */
function hintedArgs(line: string): string[] {
  const command = /durable-guard (.*?)(\s{2,}\(.*)?$/.exec(line)?.[1];
  if (!command) throw new Error(`no command in: ${line}`);
  return command.trim().split(/\s+/);
}

test('submit --wait without a terminal: progress lines every few seconds, the hinted commands decide the batch', async () => {
  const batch = `refunds-cli-${Date.now()}`;
  const submit = spawnCli(cliEnv(), ['submit', 'examples/batches/refunds.jsonl', '--wait', '--batch-id', batch]);
  try {
    await submit.line(/^6 escalations of this batch wait for a decision:$/);
    const list = await submit.line(/^ {2}list them: /);
    expect(list).toBe(`  list them:   durable-guard escalations --group-by tool,rule --batch ${batch}`);
    // The first hints may come before visibility lists the first escalation (and its groups).
    const approve = await submit.line(/^ {2}approve all: .*--groups/);
    expect(approve).toBe(
      `  approve all: durable-guard approve --batch ${batch} --groups finance --dry-run   (then the same with --yes)`,
    );
    await submit.line(/^ {2}deny all: {4}durable-guard deny --batch \S+ --groups finance --reason '\.\.\.' --yes$/);
    expect(await submit.line(/inbox/)).toBe('  or decide them in the inbox: https://guard.example.com/');

    const grouped = await runCli(cliEnv(), hintedArgs(list));
    expect(grouped.code).toBe(0);
    expect(grouped.stdout).toMatch(/process_refund\s+big-refund\S*\s+6\s+.*finance/);

    const dry = await runCli(cliEnv(), hintedArgs(approve));
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, count: 6 });
    expect(await pendingOf(batch)).toBe(6);

    // No --yes and no terminal to ask on: a clear refusal at once, never a prompt that waits forever.
    const unconfirmed = hintedArgs(approve).filter((word) => word !== '--dry-run');
    const refused = await runCli(cliEnv(), unconfirmed, 30_000);
    expect(refused.code).not.toBe(0);
    expect(refused.code).not.toBeNull();
    expect(refused.stderr).toContain('not deciding 6 escalations without confirmation');
    expect(refused.stderr).toContain('--yes');
    expect(await pendingOf(batch)).toBe(6);

    const decided = await runCli(cliEnv(), [...unconfirmed, '--yes']);
    expect(decided.code).toBe(0);
    const bulk = JSON.parse(decided.stdout.slice(decided.stdout.indexOf('{'))) as BulkDecisionProgress;
    expect(bulk).toMatchObject({ state: 'completed', approver: 'alice', seen: 6 });
    expect(bulk.counts.decided).toBe(6);

    expect(await submit.exited).toBe(0);
    const summary = JSON.parse(submit.stdout()) as BatchSummary;
    expect(summary.pendingEscalations).toBe(0);
    expect(summary.done).toBe(40);
    // Item 5 is a refund of 2,000: it escalated and waited.
    const status = await file.env.client.workflow.getHandle(`${batch}/5`).query(statusQuery);
    expect(status.result?.decidedBy).toMatchObject({ kind: 'human', identity: 'alice' });

    const progress = submit.lines.filter((l) => l.text.startsWith(`batch ${batch}: `));
    expect(progress.at(-1)?.text).toMatch(/40\/40 done .* \(finished\)$/);
    const ticks = progress.slice(0, -1);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++) {
      expect((ticks[i]?.at as number) - (ticks[i - 1]?.at as number)).toBeGreaterThanOrEqual(4_000);
    }
    // Hints are printed when they change, not with every line.
    const hinted = submit.lines.filter((l) => l.text.startsWith('6 escalations of this batch wait')).length;
    expect(hinted).toBeGreaterThanOrEqual(1);
    expect(hinted).toBeLessThanOrEqual(2);
    expect(ticks.length).toBeGreaterThan(hinted);
  } finally {
    submit.child.kill();
  }
}, 180_000);
