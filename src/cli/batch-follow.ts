/**
 * `submit --wait`: follows a batch to its end. On a terminal, a progress bar with, under it, how many escalations
 * wait and the exact commands that decide them; without one (output piped, CI), a progress line at most every
 * few seconds and the same hints whenever the number waiting changes.
 */
import type { Client } from '@temporalio/client';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { groupEscalations } from '../api/escalation-groups';
import type { BatchClient } from '../client';
import type { GuardConfig } from '../config';
import type { BatchProgress, BatchSummary } from '../workflows/definitions';

/** Seconds between two progress lines without a terminal. */
export const PLAIN_PROGRESS_EVERY_MS = 5_000;
const BAR_POLL_MS = 500;
const GROUPS_REFRESH_MS = 30_000;

/** A word as the shell reads it back unchanged. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The lines shown while escalations of the batch wait: how many, and the commands that list and decide them.
 * @param approverGroups the groups the waiting escalations' rules ask for (passed to the commands as `--groups`)
 * @param inboxUrl where the approvals inbox is served, when known
 */
export function decisionHints(
  batchId: string,
  pending: number,
  approverGroups: readonly string[],
  inboxUrl?: string,
): string[] {
  if (pending === 0) return [];
  const batch = shellWord(batchId);
  const groups = approverGroups.length > 0 ? ` --groups ${shellWord(approverGroups.join(','))}` : '';
  return [
    `${pending} escalation${pending === 1 ? '' : 's'} of this batch wait${pending === 1 ? 's' : ''} for a decision:`,
    `  list them:   durable-guard escalations --group-by tool,rule --batch ${batch}`,
    `  approve all: durable-guard approve --batch ${batch}${groups} --dry-run   (then the same with --yes)`,
    `  deny all:    durable-guard deny --batch ${batch}${groups} --reason '...' --yes`,
    ...(inboxUrl ? [`  or decide them in the inbox: ${inboxUrl}`] : []),
  ];
}

/** The inbox URL of this configuration: the public URL, else the API's own address. */
export function inboxUrl(config: Pick<GuardConfig, 'publicUrl' | 'apiHost' | 'apiPort'>): string {
  if (config.publicUrl) return `${config.publicUrl.replace(/\/$/, '')}/`;
  const host = config.apiHost.includes(':') ? `[${config.apiHost}]` : config.apiHost;
  return `http://${host}:${config.apiPort}/ (served by durable-guard api or start)`;
}

function counts(p: BatchProgress): Record<string, number> {
  const a = p.counts.byAction;
  return {
    allow: a.allow,
    modify: a.modify,
    block: a.block,
    pending: p.pendingEscalations,
    failed: p.counts.byStatus.failed + p.counts.byStatus.invalid,
  };
}

/** One plain progress line. */
export function progressText(batchId: string, p: BatchProgress): string {
  const c = counts(p);
  return (
    `batch ${batchId}: ${p.done}/${p.total ?? '?'} done | allow ${c.allow} modify ${c.modify} block ${c.block} | ` +
    `escalations pending ${c.pending} | failed ${c.failed}`
  );
}

export interface FollowOptions {
  client: Client;
  config: Pick<GuardConfig, 'taskQueue' | 'publicUrl' | 'apiHost' | 'apiPort'>;
  /** A terminal to draw the bar on. @default stdout and stderr are terminals and CI is unset */
  interactive?: boolean;
  /** Where the bar, lines and hints go (stdout keeps the summary). @default process.stderr */
  stream?: NodeJS.WritableStream;
  plainEveryMs?: number;
}

/**
 * The approver groups the waiting escalations of a batch ask for: re-read at most every 30 s once visibility
 * lists as many as the batch counts, at every call until then (visibility lags the batch by a moment).
 */
function approverGroupsOf(client: Client, taskQueue: string, batchId: string) {
  let groups: string[] = [];
  let readAt = 0;
  let seen = 0;
  return async (pending: number): Promise<string[]> => {
    if (seen >= pending && Date.now() - readAt < GROUPS_REFRESH_MS) return groups;
    readAt = Date.now();
    const page = await groupEscalations(client, { taskQueue, batch: batchId, by: ['rule'], pageSize: 100 }).catch(
      () => undefined,
    );
    if (page) {
      groups = [...new Set([...groups, ...page.groups.flatMap((g) => g.approverGroups)])].sort();
      seen = page.total;
    }
    return groups;
  };
}

/** Follows the batch to its end; returns its summary. */
export async function followBatch(
  batches: BatchClient,
  batchId: string,
  options: FollowOptions,
): Promise<BatchSummary> {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? (Boolean(process.stdout.isTTY && process.stderr.isTTY) && !process.env.CI);
  const groupsNeeded = approverGroupsOf(options.client, options.config.taskQueue, batchId);
  const url = inboxUrl(options.config);
  const hints = async (p: BatchProgress) =>
    p.pendingEscalations > 0
      ? decisionHints(batchId, p.pendingEscalations, await groupsNeeded(p.pendingEscalations), url)
      : [];
  const result = batches.result(batchId);
  let finished = false;
  void result.finally(() => (finished = true)).catch(() => undefined);
  const view = interactive ? barView(stream) : plainView(stream, batchId);
  const first = await batches.progress(batchId);
  view.show(first, await hints(first));
  const every = interactive ? BAR_POLL_MS : (options.plainEveryMs ?? PLAIN_PROGRESS_EVERY_MS);
  while (!finished) {
    await new Promise((r) => setTimeout(r, every));
    if (finished) break;
    const p = await batches.progress(batchId).catch(() => undefined);
    if (p) view.show(p, await hints(p));
  }
  const summary = await result;
  view.end(summary);
  return summary;
}

interface View {
  show(p: BatchProgress, hints: string[]): void;
  end(summary: BatchSummary): void;
}

function plainView(stream: NodeJS.WritableStream, batchId: string): View {
  let hinted = '';
  return {
    show(p, hints) {
      stream.write(`${progressText(batchId, p)}\n`);
      const text = hints.join('\n');
      if (text !== hinted && text !== '') stream.write(`${text}\n`);
      hinted = text;
    },
    end(summary) {
      stream.write(`${progressText(batchId, summary)} (finished)\n`);
    },
  };
}

function barView(stream: NodeJS.WritableStream): View {
  const multi = new MultiBar(
    {
      format:
        '{bar} {value}/{total} | allow {allow} modify {modify} block {block} | escalations pending {pending} | failed {failed}',
      hideCursor: true,
      stream: stream as NodeJS.WriteStream,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  const lines: SingleBar[] = [];
  const show = (p: BatchProgress, hints: string[]) => {
    const total = p.total ?? Math.max(p.done, 1);
    if (!bar) bar = multi.create(total, p.done, counts(p));
    bar.setTotal(total);
    bar.update(p.done, counts(p));
    while (lines.length > hints.length) multi.remove(lines.pop() as SingleBar);
    hints.forEach((text, i) => {
      const line = lines[i] ?? multi.create(1, 0, { text }, { format: '{text}' });
      lines[i] = line;
      line.update(0, { text });
    });
  };
  return {
    show,
    end(summary) {
      show(summary, []);
      multi.stop();
    },
  };
}
