/**
 * A worker's directory of the live standing grants of one task queue: the gate in front of every escalation's grant
 * lookup. It lists the live grants from visibility at most once per `ttlMs` (on demand: an idle worker lists nothing),
 * so that with no grant anywhere an escalation costs no visibility query; it only narrows which grants are asked, as
 * the grant's own answer (its `grant` query) stays authoritative.
 *
 * Bound: a lookup that starts at T sees every grant visible in visibility by T - ttlMs, and at once every grant whose
 * sweep started on this worker ({@link GrantDirectory.note}). An escalation that misses a younger grant is pending by
 * then and the grant's second sweep (`settleMs`, 10 s by default, after the first) decides it.
 */
import type { Client } from '@temporalio/client';
import { guardRulesKey, guardToolKey } from '../workflows/definitions';
import { liveGrantsQuery } from './grant-match';

/** How old a listing may be when a lookup trusts it. */
export const GRANT_DIRECTORY_TTL_MS = 1_000;
/** More live grants than this on one task queue: the directory gives up and each lookup queries visibility. */
export const GRANT_DIRECTORY_MAX = 1_000;
/** How long a grant noted by this worker is kept while visibility does not list it yet. */
const NOTED_KEEP_MS = 60_000;

/** A live grant as visibility lists it. */
export interface KnownGrant {
  id: string;
  tool: string;
  rules: readonly string[];
  /** Epoch ms of the grant's start: the oldest grant is asked first. */
  startedAt: number;
}

export interface GrantDirectoryOptions {
  /** Lists the live grants, at most `max + 1` of them. */
  list: (max: number) => Promise<KnownGrant[]>;
  /** @default GRANT_DIRECTORY_TTL_MS */
  ttlMs?: number;
  /** @default GRANT_DIRECTORY_MAX */
  max?: number;
  now?: () => number;
}

export class GrantDirectory {
  private listed: KnownGrant[] = [];
  private listedAt = Number.NEGATIVE_INFINITY;
  private overflow = false;
  private listing: Promise<void> | undefined;
  private readonly noted = new Map<string, { grant: KnownGrant; at: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  /** Visibility listings made so far (for benchmarks and tests). */
  listings = 0;

  constructor(private readonly options: GrantDirectoryOptions) {
    this.ttlMs = options.ttlMs ?? GRANT_DIRECTORY_TTL_MS;
    this.max = options.max ?? GRANT_DIRECTORY_MAX;
    this.now = options.now ?? Date.now;
  }

  /**
   * The IDs of the live grants that may answer a call of `tool` escalated by any of `rules`, oldest first; undefined
   * when there are too many grants to keep (the caller then asks visibility itself).
   */
  async candidates(tool: string, rules: readonly string[]): Promise<string[] | undefined> {
    if (this.now() - this.listedAt > this.ttlMs) await this.refresh();
    if (this.overflow) return undefined;
    const now = this.now();
    const byId = new Map(this.listed.map((g) => [g.id, g]));
    for (const [id, { grant, at }] of this.noted) {
      if (now - at > NOTED_KEEP_MS) this.noted.delete(id);
      else if (!byId.has(id)) byId.set(id, grant);
    }
    return [...byId.values()]
      .filter((g) => g.tool === tool && g.rules.some((rule) => rules.includes(rule)))
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((g) => g.id);
  }

  /** A grant this worker learnt of (its sweep started here): known at once, before visibility lists it. */
  note(grant: KnownGrant): void {
    this.noted.set(grant.id, { grant, at: this.now() });
  }

  /** A grant that answered it is no longer live: not asked again until a listing says otherwise. */
  forget(id: string): void {
    this.noted.delete(id);
    this.listed = this.listed.filter((g) => g.id !== id);
  }

  private refresh(): Promise<void> {
    // Concurrent lookups share one listing.
    this.listing ??= (async () => {
      const startedAt = this.now();
      try {
        const grants = await this.options.list(this.max + 1);
        this.listings += 1;
        this.overflow = grants.length > this.max;
        this.listed = this.overflow ? [] : grants;
        this.listedAt = startedAt;
      } finally {
        this.listing = undefined;
      }
    })();
    return this.listing;
  }
}

/** Lists the live grants of `taskQueue` from visibility, with their tool and rules. */
export function visibilityGrantLister(client: Client, taskQueue: string): (max: number) => Promise<KnownGrant[]> {
  return async (max) => {
    const grants: KnownGrant[] = [];
    for await (const execution of client.workflow.list({ query: liveGrantsQuery(taskQueue), pageSize: 1000 })) {
      const tool = execution.typedSearchAttributes.get(guardToolKey);
      if (tool === undefined) continue;
      grants.push({
        id: execution.workflowId,
        tool,
        rules: execution.typedSearchAttributes.get(guardRulesKey) ?? [],
        startedAt: execution.startTime.getTime(),
      });
      if (grants.length >= max) break;
    }
    return grants;
  };
}

const directories = new WeakMap<Client, Map<string, GrantDirectory>>();

/** The worker's directory for one task queue (keyed by the worker's client: one per worker and task queue). */
export function grantDirectoryFor(client: Client, taskQueue: string): GrantDirectory {
  let byQueue = directories.get(client);
  if (!byQueue) {
    byQueue = new Map();
    directories.set(client, byQueue);
  }
  let directory = byQueue.get(taskQueue);
  if (!directory) {
    directory = new GrantDirectory({ list: visibilityGrantLister(client, taskQueue) });
    byQueue.set(taskQueue, directory);
  }
  return directory;
}
