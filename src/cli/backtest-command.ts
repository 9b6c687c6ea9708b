/** `policy backtest FILE...`: how a candidate policy would have decided the recorded guarded calls. */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { loadCandidate } from '../backtest/candidate';
import { crossedThresholds, parseThreshold, type Threshold } from '../backtest/fail-on';
import { recordedCallsQuery, type RecordedFilters } from '../backtest/recorded-query';
import { formatBacktest } from '../backtest/report';
import { runBacktest } from '../backtest/run-backtest';
import { LAST_BACKTEST_FILE, saveBacktest } from '../backtest/saved-backtest';
import { dataConverterFromEnv } from '../codec';
import { clientConnectionOptions, loadConnectionConfig, loadGuardConfig } from '../config';
import { parseDurationFlag } from './duration-flag';
import { parsePositiveIntFlag } from './number-flag';
import { fail, printJson } from './output';
import { withProgress } from './progress';
import { formatShadowSummary } from '../shadow/shadow-report';
import { countShadowDecisions } from '../shadow/shadow-summary';

interface BacktestFlags {
  since: string;
  query?: string;
  tool?: string;
  batch?: string;
  limit?: string;
  json?: boolean;
  failOn?: string[];
  withNetwork?: boolean;
  concurrency: string;
  examples: string;
  uiUrl: string;
  shadow?: boolean;
  save?: string | true;
}

/** Where `--save` writes: the file given, else last-backtest.json in the data directory (read by the API). */
function savePath(save: string | true): string {
  return resolve(save === true ? join(loadGuardConfig().dataDir, LAST_BACKTEST_FILE) : save);
}

/** `--shadow`: the workers' recorded shadow disagreement, from visibility counts alone. */
async function shadowSummary(files: string[], flags: BacktestFlags, filters: RecordedFilters): Promise<void> {
  if (files.length > 0) {
    throw new Error(
      `--shadow summarises what the workers' shadow policies (DURABLE_GUARD_SHADOW_POLICY) recorded: give no ` +
        `policy file (got ${files.join(', ')})`,
    );
  }
  const unsupported = (['withNetwork', 'failOn', 'limit', 'save'] as const).filter((flag) => flags[flag] !== undefined);
  if (unsupported.length > 0) {
    const names = { withNetwork: '--with-network', failOn: '--fail-on', limit: '--limit', save: '--save' };
    throw new Error(`--shadow does not take ${unsupported.map((flag) => names[flag]).join(', ')}`);
  }
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace });
    const summary = await countShadowDecisions(client, filters);
    if (flags.json) printJson(summary);
    else process.stdout.write(formatShadowSummary(summary));
  } finally {
    await connection.close();
  }
}

async function backtest(files: string[], flags: BacktestFlags): Promise<void> {
  const filters: RecordedFilters = {
    sinceMs: parseDurationFlag(flags.since, '--since'),
    ...(flags.tool ? { tool: flags.tool } : {}),
    ...(flags.batch ? { batch: flags.batch } : {}),
    ...(flags.query ? { query: flags.query } : {}),
  };
  if (flags.shadow) return shadowSummary(files, flags, filters);
  const thresholds: Threshold[] = (flags.failOn ?? []).map(parseThreshold);
  if (files.length === 0) throw new Error('give the candidate policy file(s) to backtest');
  // A candidate that does not parse is refused before Temporal is asked anything.
  const candidate = loadCandidate(files, flags.withNetwork === true);
  const saveTo = flags.save !== undefined ? savePath(flags.save) : undefined;
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() });
    const query = recordedCallsQuery(filters, new Date());
    const limit = flags.limit !== undefined ? parsePositiveIntFlag(flags.limit, '--limit') : undefined;
    const total = client.workflow
      .count(query)
      .then(({ count }) => (limit === undefined ? count : Math.min(count, limit)));
    const summary = await withProgress(total, 'calls backtested', (onCall) =>
      runBacktest(client, candidate, query, {
        ...(limit !== undefined ? { limit } : {}),
        concurrency: parsePositiveIntFlag(flags.concurrency, '--concurrency'),
        examples: parsePositiveIntFlag(flags.examples, '--examples'),
        onCall,
      }),
    );
    const crossed = crossedThresholds(summary, thresholds);
    if (saveTo !== undefined) {
      await mkdir(dirname(saveTo), { recursive: true });
      const saved = { savedAt: new Date().toISOString(), candidateFiles: files, failedThresholds: crossed, summary };
      await saveBacktest(saveTo, saved);
      process.stderr.write(`backtest summary saved to ${saveTo} (the inbox's Policies page shows it)\n`);
    }
    if (flags.json) printJson({ ...summary, failedThresholds: crossed });
    else process.stdout.write(formatBacktest(summary, { baseUrl: flags.uiUrl, namespace: config.namespace }));
    if (crossed.length > 0) {
      process.stderr.write(`backtest failed: ${crossed.join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await connection.close();
  }
}

/** Adds `backtest` to the `policy` command. */
export function registerBacktestCommand(policy: Command): void {
  policy
    .command('backtest')
    .description('decide recorded guarded calls again with a candidate policy and show what would change')
    .argument('[files...]', 'candidate policy files (YAML or JSON), in load order')
    .option('--since <duration>', 'calls started within this long (e.g. 24h, 7d)', '7d')
    .option('--query <visibility-query>', 'extra visibility filter, e.g. "GuardRules = \'big-refund\'"')
    .option('--tool <tool>', 'only calls of this tool')
    .option('--batch <batchId>', 'only items of this batch')
    .option('--limit <n>', 'at most this many calls')
    .option('--json', 'print the summary as JSON')
    .option('--fail-on <threshold...>', 'exit 1 when crossed, e.g. block>0 changed>=10 approved-would-block>0')
    .option('--with-network', 'run llm-judge and remote rules (skipped and counted otherwise)')
    .option('--concurrency <n>', 'history reads at once', '32')
    .option('--examples <n>', 'examples shown per transition and sharp case', '3')
    .option('--ui-url <url>', 'Temporal Web UI base URL for links', 'http://localhost:8233')
    .option('--save [file]', `keep the summary for the inbox's Policies page (default: DATA_DIR/${LAST_BACKTEST_FILE})`)
    .option('--shadow', "instead: the workers' recorded shadow-policy disagreement (visibility counts, no files)")
    .action(async (files: string[], flags: BacktestFlags) => {
      try {
        await backtest(files, flags);
      } catch (err) {
        fail(err);
      }
    });
}
