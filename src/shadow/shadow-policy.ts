/**
 * A worker's shadow policy (`DURABLE_GUARD_SHADOW_POLICY`): candidate files decided beside the live ones, in the
 * same activity, and recorded without changing the call. Its llm-judge and remote rules are never called.
 */
import { ConfigError } from '../config/config-error';
import { PolicyStore, type PolicyError } from '../policy';
import type { ToolCall } from '../policy/types';
import type { ShadowDecision } from '../workflows/definitions';

/** Longest error reason kept in the shadow decision (it is recorded in history). */
const MAX_REASON = 500;

/** Anything that gives the shadow decision of a call: {@link ShadowPolicy}, or a test double. */
export interface ShadowDecider {
  decide(call: ToolCall, now: Date): Promise<ShadowDecision>;
}

/** Options of {@link ShadowPolicy}. */
export interface ShadowPolicyOptions {
  /** Told once per distinct broken change; the last good shadow policy keeps deciding meanwhile. */
  onError?: (error: PolicyError) => void;
  /** Told after a changed shadow policy is swapped in. */
  onReload?: (version: string) => void;
  /** How often the files are re-read, in milliseconds. @default 1000 */
  intervalMs?: number;
}

/** The shadow policy files, hot-reloaded like the live ones, deciding offline. */
export class ShadowPolicy implements ShadowDecider {
  private readonly store: PolicyStore;

  /**
   * Loads the files and starts watching them.
   * @throws PolicyError naming the file, line and rule of the first problem
   */
  constructor(paths: readonly string[], options: ShadowPolicyOptions = {}) {
    this.store = new PolicyStore(paths, {
      withoutNetworkRules: true,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.onReload ? { onReload: (engine) => options.onReload?.(engine.version) } : {}),
    });
  }

  /** The version of the shadow policy deciding now. */
  get version(): string {
    return this.store.version;
  }

  /** The shadow decision; a shadow policy that fails to decide gives action `error`, never a failed call. */
  async decide(call: ToolCall, now: Date): Promise<ShadowDecision> {
    const { engine, skippedRules } = this.store;
    const skipped = engine
      .rulesFor(String(call.tool))
      .filter((rule) => skippedRules.has(rule.id))
      .map((rule) => rule.id);
    const extra = skipped.length > 0 ? { skippedRules: skipped } : {};
    try {
      const decision = await engine.decide(call, now);
      return {
        action: decision.action,
        rules: decision.rulesTriggered.map((hit) => hit.id),
        policyVersion: decision.policyVersion,
        ...extra,
      };
    } catch (err) {
      return {
        action: 'error',
        rules: [],
        policyVersion: engine.version,
        reason: (err instanceof Error ? err.message : String(err)).slice(0, MAX_REASON),
        ...extra,
      };
    }
  }

  /** Stops watching the files. */
  close(): void {
    this.store.close();
  }
}

/**
 * The worker's shadow policy from `DURABLE_GUARD_SHADOW_POLICY`'s files, or none.
 * @throws ConfigError naming the variable and the first problem (`file:line: rule 'id': ...`)
 */
export function loadShadowPolicy(
  paths: readonly string[] | undefined,
  log: (line: string) => void,
): ShadowPolicy | undefined {
  if (paths === undefined || paths.length === 0) return undefined;
  try {
    return new ShadowPolicy(paths, {
      onError: (err) =>
        log(`durable-guard: shadow policy change rejected, the last good shadow policy stays:\n${err.message}`),
      onReload: (version) => log(`durable-guard: shadow policy reloaded (version ${version})`),
    });
  } catch (err) {
    throw new ConfigError(
      'DURABLE_GUARD_SHADOW_POLICY',
      `DURABLE_GUARD_SHADOW_POLICY: the shadow policy does not load: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
