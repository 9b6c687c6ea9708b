import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { Clock } from './budget';
import { PolicyEngine } from './engine';
import { PolicyError } from './errors';
import type { GuardServices } from './guard-services';
import { withoutNetworkRules } from './offline-rules';
import { parsePolicy } from './parse-policy';
import type { Decider, PolicyDecision, ToolCall } from './types';

/** Options of {@link PolicyStore}. */
export interface PolicyStoreOptions {
  /** Services for `llm-judge` and `remote` rules, passed to every engine built. */
  services?: GuardServices;
  /**
   * How often the files are re-read, in milliseconds.
   * @default 1000
   */
  intervalMs?: number;
  /** Told once per distinct broken content; the last good engine keeps deciding meanwhile. */
  onError?: (error: PolicyError) => void;
  /** Told after a new engine is swapped in. */
  onReload?: (engine: PolicyEngine) => void;
  /** The clock of the decision budget, passed to every engine built (see {@link PolicyEngine}). */
  clock?: Clock;
  /** Turn llm-judge and remote rules off (they never fire; see {@link PolicyStore.skippedRules}). @default false */
  withoutNetworkRules?: boolean;
}

/**
 * A {@link Decider} over policy files that reloads them when they change. The files are re-read and hashed
 * every `intervalMs` (reliable on every file system, unlike change events, and cheap for policy-sized files);
 * a valid change swaps in a new engine, a broken one keeps the last good engine and is reported to `onError`.
 */
export class PolicyStore implements Decider {
  private current: PolicyEngine;
  private skipped: ReadonlySet<string> = new Set();
  private lastSeen: string;
  private timer?: NodeJS.Timeout;
  private readonly paths: readonly string[];
  private readonly options: PolicyStoreOptions;

  /**
   * Loads the files and starts watching them.
   * @param paths - policy files, evaluated in this order
   * @throws PolicyError when the files are invalid at start
   */
  constructor(paths: readonly string[], options: PolicyStoreOptions = {}) {
    this.paths = [...paths];
    this.options = options;
    const { sources, hash } = this.read();
    this.current = this.build(sources);
    this.lastSeen = hash;
    this.timer = setInterval(() => this.reload(), options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** The engine deciding now. */
  get engine(): PolicyEngine {
    return this.current;
  }

  /** IDs of the network rules turned off in the engine deciding now (empty unless `withoutNetworkRules`). */
  get skippedRules(): ReadonlySet<string> {
    return this.skipped;
  }

  /** The version of the engine deciding now. */
  get version(): string {
    return this.current.version;
  }

  /** Decides with the current engine. See {@link PolicyEngine.decide}. */
  /** Whether calls to `tool` go through llm-judge or remote rules under the current policy. */
  requiresAsync(tool: string): boolean {
    return this.current.requiresAsync(tool);
  }

  decide(call: ToolCall, now: Date): Promise<PolicyDecision> {
    return this.current.decide(call, now);
  }

  /**
   * Re-reads the files now (the timer calls this too).
   * @returns true when a new engine was swapped in
   */
  reload(): boolean {
    let sources: string[];
    let hash: string;
    try {
      ({ sources, hash } = this.read());
    } catch (error) {
      this.report(error, `unreadable:${String(error)}`);
      return false;
    }
    if (hash === this.lastSeen) return false;
    this.lastSeen = hash;
    try {
      this.current = this.build(sources);
    } catch (error) {
      this.report(error, hash, true);
      return false;
    }
    this.options.onReload?.(this.current);
    return true;
  }

  /** Stops watching. The store keeps deciding with its last engine. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private read(): { sources: string[]; hash: string } {
    const sources = this.paths.map((path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw new PolicyError({ file: path, message: `cannot read policy file: ${String(error)}` }, { cause: error });
      }
    });
    const hash = createHash('sha256').update(sources.join('\0')).digest('hex');
    return { sources, hash };
  }

  private build(sources: string[]): PolicyEngine {
    const parsed = sources.map((source, i) => parsePolicy(source, this.paths[i] as string));
    const { policies, skippedRules } = this.options.withoutNetworkRules
      ? withoutNetworkRules(parsed)
      : { policies: parsed, skippedRules: new Set<string>() };
    const engine = new PolicyEngine(policies, this.options.services, { clock: this.options.clock });
    this.skipped = skippedRules;
    return engine;
  }

  private lastReported?: string;

  private report(error: unknown, key: string, alreadyKeyed = false): void {
    if (!alreadyKeyed && key === this.lastReported) return;
    this.lastReported = key;
    const policyError =
      error instanceof PolicyError
        ? error
        : new PolicyError({ file: this.paths[0] ?? '<none>', message: String(error) }, { cause: error });
    this.options.onError?.(policyError);
  }
}
