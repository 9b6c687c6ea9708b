import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { WorkflowExecutionAlreadyStartedError, type Duration } from '@temporalio/common';
import { batchInputIssue } from '../workflows/batch-validation';
import { batchItemIssue, callIdIssue, refusedItem } from '../workflows/call-validation';
import type { guardBatch } from '../workflows/guard-batch';
import {
  DEFAULT_TASK_QUEUE,
  guardActionKey,
  guardBatchIdKey,
  guardFingerprintKey,
  guardStatusKey,
  guardToolKey,
  BATCH_OUTCOMES_PAGE,
  batchOutcomesQuery,
  progressQuery,
  type BatchItem,
  type BatchMode,
  type BatchProgress,
  type BatchSummary,
  type GuardBatchInput,
} from '../workflows/definitions';
import { sha256Hex } from '../workflows/fingerprint';
import { assertSameBatch } from './call-conflict';
import { GuardInputError } from './errors';
import { TemporalCalls, unavailableAfterMs, type TemporalTarget } from './temporal-calls';

/** Inline items above this size must go through a file: workflow inputs are capped at 2 MB. */
export const MAX_INLINE_BATCH_BYTES = 512 * 1024;

/** Options of a batch submission. */
export interface SubmitBatchOptions {
  /**
   * Workflow ID of the batch and prefix of its items' IDs; re-submitting the same ID with the same items (and
   * escalation timeout) attaches to it, with other items throws `GuardCallIdConflict`. @default `batch-<uuid>`
   */
  batchId?: string;
  /** Items deciding or running their tool at once; pending escalations do not count. @default 50 */
  concurrency?: number;
  /** Approval window of every escalated item, e.g. '72h'; wins over the rule's. */
  escalationTimeout?: Duration;
  /**
   * `item`: each item a `guardedCall` workflow; `page`: items decided and run by the page, only escalations
   * becoming workflows (docs/architecture.md "Page mode"). @default 'item'
   */
  mode?: BatchMode;
  /** Page mode: items decided per page (1 to 500). @default 250 */
  pageSize?: number;
}

/** Options of a {@link BatchClient}. */
export interface BatchClientOptions {
  /**
   * How long submit, progress, result and items wait for Temporal (or, for a batch, a worker) to answer before
   * they throw `GuardUnavailable`, as `GuardClient` does. @default '10s'
   */
  unavailableAfter?: Duration;
}

/** One item of a batch as visibility sees it (eventually consistent). */
export interface BatchItemResult {
  itemId: string;
  index: number;
  tool?: string;
  /** GuardStatus: deciding, pending-approval, done, denied, timed-out, failed, ... */
  status?: string;
  action?: string;
  reason?: string;
  /** Temporal execution status: RUNNING, COMPLETED, FAILED, ...; `IN_PAGE` for a page-mode item run in its page. */
  execution: string;
}

/** Counts the non-blank lines of a JSON Lines file without holding it in memory. */
export async function countLines(path: string): Promise<number> {
  return (await scanFile(path)).lines;
}

/** Non-blank lines and SHA-256 (hex) of a file, in one pass. */
async function scanFile(path: string): Promise<{ lines: number; sha256: string }> {
  const hash = createHash('sha256');
  let count = 0;
  let lineHasText = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (const byte of chunk) {
      if (byte === 10) {
        if (lineHasText) count += 1;
        lineHasText = false;
      } else if (byte !== 32 && byte !== 13 && byte !== 9) lineHasText = true;
    }
  }
  return { lines: lineHasText ? count + 1 : count, sha256: hash.digest('hex') };
}

/**
 * Submits and follows batches of guarded calls (`guardBatch` workflows) that the worker runs.
 */
export class BatchClient {
  private readonly taskQueue: string;
  private readonly calls: TemporalCalls;

  /**
   * @param client - a Temporal client, connected or lazy (`Connection.lazy`)
   * @param taskQueue - the workers' task queue @default 'durable-guard'
   * @throws GuardInputError when `unavailableAfter` is not a positive duration
   */
  constructor(
    private readonly client: Client,
    taskQueue: string = DEFAULT_TASK_QUEUE,
    options: BatchClientOptions = {},
  ) {
    this.taskQueue = taskQueue;
    this.calls = new TemporalCalls(() => this.target(), unavailableAfterMs(options.unavailableAfter));
  }

  private target(): TemporalTarget {
    const connectionOptions = (this.client.connection as { options?: { address?: string } }).options;
    return {
      client: this.client,
      address: connectionOptions?.address ?? 'an unknown address',
      namespace: this.client.options.namespace,
      taskQueue: this.taskQueue,
    };
  }

  /**
   * Submits a JSON Lines file, one `{tool, input, context?, callId?}` per line. The worker reads it in
   * pages, so the path must be readable on the worker's host (it is made absolute here).
   * @returns the batch's workflow handle; its result is the {@link BatchSummary}
   */
  async submitFile(path: string, options: SubmitBatchOptions = {}): Promise<WorkflowHandle<typeof guardBatch>> {
    const absolute = resolve(path);
    const scanned = await scanFile(absolute).catch((err: Error) => {
      throw new Error(`cannot read batch file ${absolute}: ${err.message}`);
    });
    // The file's content, not its path, is what the batch decides on.
    return this.start({ source: { path: absolute }, expectedTotal: scanned.lines }, options, {
      file: scanned.sha256,
    });
  }

  /**
   * Submits items inline (small batches). An item that is malformed or over a limit of docs/limits.md is sent
   * as its reason only, and the batch counts it `invalid` with that reason, as it does a bad line of a file.
   * @throws Error when the items exceed {@link MAX_INLINE_BATCH_BYTES}: write them to a file instead
   */
  async submitItems(items: BatchItem[], options: SubmitBatchOptions = {}): Promise<WorkflowHandle<typeof guardBatch>> {
    const checked = items.map((item) => {
      const issue = batchItemIssue(item);
      return issue ? refusedItem(issue) : item;
    });
    const size = Buffer.byteLength(JSON.stringify(checked));
    if (size > MAX_INLINE_BATCH_BYTES) {
      throw new Error(
        `inline batch is ${size} bytes (limit ${MAX_INLINE_BATCH_BYTES}): write the items to a JSON Lines file and submit the file`,
      );
    }
    return this.start({ source: { items: checked } }, options, { items: checked });
  }

  /**
   * Counts per action and status, pending escalations, done/total.
   * @throws GuardUnavailable when Temporal, or a worker on the task queue, did not answer within `unavailableAfter`.
   */
  async progress(batchId: string): Promise<BatchProgress> {
    return this.calls.run('progress', () => this.client.workflow.getHandle(batchId).query(progressQuery), batchId);
  }

  /**
   * Waits for the batch to end, however long it runs. @returns counts and the first blocked or failed items
   * @throws GuardUnavailable when Temporal did not answer within `unavailableAfter` when asked for the batch.
   */
  async result(batchId: string): Promise<BatchSummary> {
    const handle = this.client.workflow.getHandle<typeof guardBatch>(batchId);
    // The wait itself is not bounded (a batch may run for days); a server that cannot be reached is told first.
    await this.calls.run('batch-result', () => handle.describe());
    return handle.result();
  }

  /**
   * Every item of the batch with its status, action and reason, read from visibility (no history fetches).
   * @throws GuardUnavailable when Temporal did not answer a page within `unavailableAfter`.
   */
  async *items(batchId: string): AsyncIterable<BatchItemResult> {
    // Asking the batch's mode is part of listing its items: a failure names `batch-items`.
    const progress = await this.calls.run(
      'batch-items',
      () => this.client.workflow.getHandle(batchId).query(progressQuery),
      batchId,
    );
    if (progress.mode === 'page') {
      yield* this.pageItems(batchId);
      return;
    }
    const query = `${guardBatchIdKey.name} = ${JSON.stringify(batchId)} AND WorkflowType = "guardedCall"`;
    const pages = this.client.workflow.list({ query })[Symbol.asyncIterator]();
    for (;;) {
      // Each page is one request to Temporal, bounded like any other.
      const next = await this.calls.run('batch-items', () => pages.next());
      if (next.done) return;
      const wf = next.value;
      const sa = wf.typedSearchAttributes;
      const memo = (wf.memo ?? {}) as { reason?: string };
      yield {
        itemId: wf.workflowId,
        index: Number(wf.workflowId.slice(batchId.length + 1)),
        tool: sa.get(guardToolKey),
        status: sa.get(guardStatusKey),
        action: sa.get(guardActionKey),
        ...(memo.reason ? { reason: memo.reason } : {}),
        execution: wf.status.name,
      };
    }
  }

  /** A page-mode batch's items, read from the batch itself (`batchOutcomes`); its escalations also from visibility. */
  private async *pageItems(batchId: string): AsyncIterable<BatchItemResult> {
    const handle = this.client.workflow.getHandle(batchId);
    for (let offset = 0; ; offset += BATCH_OUTCOMES_PAGE) {
      const page = await this.calls.run(
        'batch-items',
        () => handle.query(batchOutcomesQuery, { offset, limit: BATCH_OUTCOMES_PAGE }),
        batchId,
      );
      for (const o of page) {
        yield {
          itemId: o.itemId,
          index: o.index,
          status: o.status,
          ...(o.action ? { action: o.action } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
          execution: o.child ? 'CHILD' : 'IN_PAGE',
        };
      }
      if (page.length < BATCH_OUTCOMES_PAGE) return;
    }
  }

  private async start(
    base: Pick<GuardBatchInput, 'source' | 'expectedTotal'>,
    options: SubmitBatchOptions,
    content: { items: BatchItem[] } | { file: string },
  ): Promise<WorkflowHandle<typeof guardBatch>> {
    const badId = options.batchId === undefined ? undefined : callIdIssue(options.batchId, 'batchId');
    if (badId) throw new GuardInputError(badId.message, badId.limit ? { limit: badId.limit } : {});
    const batchId = options.batchId ?? `batch-${randomUUID()}`;
    const input: GuardBatchInput & { batchId: string } = {
      ...base,
      batchId,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.escalationTimeout !== undefined
        ? { escalationTimeoutMs: msToNumber(options.escalationTimeout) }
        : {}),
    };
    // The batch refuses such an input at once; saying so here names the option instead.
    const badInput = batchInputIssue(input);
    if (badInput) throw new GuardInputError(badInput.message, badInput.limit ? { limit: badInput.limit } : {});
    const fingerprint = sha256Hex({ ...content, escalationTimeoutMs: input.escalationTimeoutMs });
    return this.calls.run('submit', () => this.startBatch(input, fingerprint, options.batchId !== undefined), batchId);
  }

  private async startBatch(
    input: GuardBatchInput & { batchId: string },
    fingerprint: string,
    attachChecked: boolean,
  ): Promise<WorkflowHandle<typeof guardBatch>> {
    const { batchId } = input;
    let handle: WorkflowHandle<typeof guardBatch>;
    try {
      handle = await this.client.workflow.start<typeof guardBatch>('guardBatch', {
        workflowId: batchId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        // A finished batch is attached to, not run again: its items' IDs are taken.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: guardBatchIdKey, value: batchId },
          { key: guardFingerprintKey, value: fingerprint },
        ],
        staticSummary: `batch ${batchId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = this.client.workflow.getHandle<typeof guardBatch>(batchId);
    }
    if (attachChecked) await assertSameBatch(handle, fingerprint);
    return handle;
  }
}
