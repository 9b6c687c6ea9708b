/**
 * The activities of a batch in page mode: one local activity decides a page of items with the same decision a
 * guarded call's `decideLocal` makes, and one regular activity runs the tools of the page's allowed and modified
 * items, heartbeating which items are done so a retry after a crash resumes where the page stopped.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CallContext, Decider, RuleHit } from '../policy/types';
import { callProblem } from '../workflows/call-validation';
import type { GuardAction } from '../workflows/definitions';
import type { DecideActivityInput, DecideOutcome, RunToolInput } from './create-activities';

/** One item of a page, with the context its guarded call would carry (batch and callId included). */
export interface PageItem {
  index: number;
  tool: string;
  input: Record<string, unknown>;
  context?: CallContext;
}

/**
 * How the page decided an item. `child`: it becomes a `guardedCall` child (escalations; tools whose rules need the
 * network; any item on a worker that signs receipts), which decides it again as item mode does.
 */
export type PageDecision =
  | {
      action: Exclude<GuardAction, 'escalate'>;
      reason?: string;
      /**
       * The rules that fired, audit-mode hits included, without messages; absent when none did (or in a page
       * decided before spans were kept).
       */
      rulesTriggered?: RuleHit[];
      policyVersion?: string;
      modifiedInput?: Record<string, unknown>;
    }
  | { action: 'child'; why: 'escalate' | 'network' | 'receipt' };

export interface DecidePageInput {
  items: PageItem[];
}

/** The outcome of one item's tool: done, or failed with the reason. */
export type PageToolOutcome = { ok: true } | { ok: false; reason: string };

export interface RunPageToolsInput {
  /** Items to run: `input` is the input to run with (the modified one for modify). */
  items: PageItem[];
  /** Prefix of the idempotency keys: `<batchId>/<index>`, exactly as the item's guarded call would use. */
  batchId: string;
  /** Tools running at once. */
  concurrency: number;
}

export interface RunPageToolsOutput {
  /** In the order of `items`. */
  outcomes: PageToolOutcome[];
}

/** The heartbeat of a page's tool run: the outcomes so far, by position in the page (null: not yet). */
interface PageHeartbeat {
  outcomes: (PageToolOutcome | null)[];
}

/** Attempts of one item's tool inside the page before it is failed (the page itself is retried after a crash). */
const TOOL_ATTEMPTS = 3;
const RETRY_BASE_MS = 200;
/** Longest failure reason kept per item. */
const REASON_LENGTH = 1_000;

function message(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).slice(0, REASON_LENGTH);
}

export interface PageDeps {
  decider: Decider;
  /** The decision `decideLocal` makes for one call (worker-level blocks included). */
  decide: (call: DecideActivityInput) => Promise<DecideOutcome>;
  /** Runs a registered tool once per idempotency key (the guarded call's tool activity). */
  toolRun: (input: RunToolInput) => Promise<unknown> | unknown;
}

export function createPageActivities({ decider, decide, toolRun }: PageDeps) {
  async function decideOne(item: PageItem): Promise<PageDecision> {
    if (decider.requiresAsync?.(item.tool) ?? true) return { action: 'child', why: 'network' };
    // The limits a guarded call applies to its whole call (context with the batch's keys included).
    const problem = callProblem({ tool: item.tool, input: item.input, context: item.context, execute: true });
    if (problem) return { action: 'block', reason: problem };
    const d = await decide({ tool: item.tool, input: item.input, context: item.context, execute: true });
    if (d.signReceipts) return { action: 'child', why: 'receipt' };
    if (d.action === 'escalate') return { action: 'child', why: 'escalate' };
    return {
      action: d.action,
      ...(d.reason ? { reason: d.reason } : {}),
      // Without messages, and only when a rule fired: the page's marker stays small.
      ...(d.rulesTriggered.length > 0
        ? { rulesTriggered: d.rulesTriggered.map(({ id, action, mode }) => ({ id, action, mode })) }
        : {}),
      ...(d.policyVersion ? { policyVersion: d.policyVersion } : {}),
      ...(d.action === 'modify' && d.modifiedInput ? { modifiedInput: d.modifiedInput } : {}),
    };
  }

  async function runOne(item: PageItem, batchId: string): Promise<PageToolOutcome> {
    const key = `${batchId}/${item.index}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await toolRun({ tool: item.tool, input: item.input, idempotencyKey: key, callId: key, context: item.context });
        return { ok: true };
      } catch (err) {
        const final = err instanceof ApplicationFailure && err.nonRetryable;
        if (final || attempt >= TOOL_ATTEMPTS) return { ok: false, reason: message(err) };
        await new Promise((r) => setTimeout(r, RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    /** A page's decisions, as a local activity: static rules only, in-process, in the batch's workflow task. */
    async decideBatchPage({ items }: DecidePageInput): Promise<PageDecision[]> {
      const out: PageDecision[] = [];
      for (const item of items) out.push(await decideOne(item));
      return out;
    },

    /** The tools of a page's allowed and modified items; resumes from its last heartbeat when retried. */
    async runBatchPageTools({ items, batchId, concurrency }: RunPageToolsInput): Promise<RunPageToolsOutput> {
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as PageHeartbeat | undefined;
      const outcomes: (PageToolOutcome | null)[] =
        previous?.outcomes?.length === items.length ? previous.outcomes : items.map(() => null);
      let next = 0;
      const worker = async () => {
        for (;;) {
          const at = next++;
          if (at >= items.length) return;
          if (outcomes[at]) continue;
          outcomes[at] = await runOne(items[at] as PageItem, batchId);
          ctx.heartbeat({ outcomes } satisfies PageHeartbeat);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
      return { outcomes: outcomes as PageToolOutcome[] };
    },
  };
}
