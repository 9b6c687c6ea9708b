import { createHash } from 'node:crypto';

import type { Clock, DecisionLimits } from './budget';
import { DECISION_BUDGET_RULE_ID, DEFAULT_DECISION_LIMITS, DecisionBudget, DecisionBudgetError } from './budget';
import type { CompiledRule, LoadedPolicy } from './compiled';
import type { ConditionScope } from './condition';
import type { Detector } from './detectors/detector';
import { scanValue, type Finding } from './detectors/scan';
import { formatPointer, getAt } from './json-pointer';
import { PolicyError } from './errors';
import type { GuardServices } from './guard-services';
import { renderPrompt } from './guard-services';
import { applyModifyOps, cloneJson } from './modify';
import { findingsAction, levelOf } from './detectors/levels';
import { loadPolicyFile } from './parse-policy';
import { callerSchemaProblem } from './caller-schemas';
import { mergeApprovals } from './quorum-settings';
import { ToolGate } from './tool-schemas';
import type {
  Decider,
  EscalationSettings,
  GuardAction,
  PolicyDecision,
  RuleHit,
  TimeoutOutcome,
  ToolCall,
} from './types';

const precedence: Record<GuardAction, number> = { allow: 0, modify: 1, escalate: 2, block: 3 };
const verbs: Record<GuardAction, string> = {
  allow: 'allowed',
  modify: 'modified',
  escalate: 'escalated',
  block: 'blocked',
};
const toolCacheLimit = 10_000;
/** The rule a call's own tool schema (from the model's tool definitions) is reported as. */
const callerSchemaRule: CompiledRule = {
  id: 'tool-schema',
  policy: '',
  type: 'static',
  action: 'block',
  mode: 'enforce',
  tools: ['*'],
  matchesTool: () => true,
  fallback: 'escalate',
};

/** What one rule contributed to a decision. */
interface Outcome {
  rule: CompiledRule;
  hits: RuleHit[];
  /** The action the rule enforces; absent for audit hits and for rules that only report. */
  effect?: GuardAction;
  /** A whole new input (from a remote guard) instead of the rule's modify operations. */
  replacement?: Record<string, unknown>;
}

/** Options of {@link PolicyEngine}. */
export interface PolicyEngineOptions {
  /**
   * The clock that times each decision against `limits.maxDecisionMs`, in milliseconds.
   * @default performance.now
   */
  clock?: Clock;
}

/**
 * The compiled policy set. Rules from all policies are evaluated in load order; the strongest enforced action
 * wins (block > escalate > modify > allow) and modify rules compose in rule order.
 *
 * Static rules are evaluated synchronously ({@link PolicyEngine.decideStatic}); `llm-judge` and `remote` rules
 * need {@link PolicyEngine.decide} and the services given at construction.
 */
export class PolicyEngine implements Decider {
  /** Short content hash of every policy source, in load order. */
  readonly version: string;
  /** The policies, in load order. */
  readonly policies: readonly LoadedPolicy[];
  /** Whether any rule is an `llm-judge` or `remote` rule. */
  readonly hasAsyncRules: boolean;
  private readonly rules: CompiledRule[];
  private readonly defaultAction: GuardAction;
  private readonly defaultEscalation?: EscalationSettings;
  private readonly services: GuardServices;
  private readonly rulesByTool = new Map<string, { rules: CompiledRule[]; async: boolean }>();
  /** The per-decision budget in force: the strictest of what the policies set, defaults for the rest. */
  readonly limits: DecisionLimits;
  private readonly budgetEscalation?: EscalationSettings;
  private readonly clock: Clock;
  private readonly toolGate: ToolGate | undefined;
  private readonly levelsByName: ReadonlyMap<string, ReturnType<typeof levelOf>>;

  /**
   * @param policies - compiled policies, e.g. from {@link loadPolicyFile}
   * @param services - `llmJudge` and `remoteGuard` for async rules; a missing one makes its rules fail
   *   (fallback / fail-closed)
   * @param options - the clock of the decision budget
   * @throws PolicyError when two policies share a rule id or the list is empty
   */
  constructor(policies: readonly LoadedPolicy[], services: GuardServices = {}, options: PolicyEngineOptions = {}) {
    if (policies.length === 0) {
      throw new PolicyError({ file: '<none>', message: 'no policy given; pass at least one policy file' });
    }
    const owners = new Map<string, LoadedPolicy>();
    for (const policy of policies) {
      for (const rule of policy.rules) {
        const owner = owners.get(rule.id);
        if (owner) {
          throw new PolicyError({
            file: policy.file,
            ruleId: rule.id,
            message: `rule id also used in ${owner.file}; rule ids must be unique across policies`,
          });
        }
        owners.set(rule.id, policy);
      }
    }
    this.policies = [...policies];
    this.rules = policies.flatMap((p) => p.rules);
    this.hasAsyncRules = this.rules.some((r) => r.type !== 'static');
    this.services = services;
    this.version = createHash('sha256')
      .update(policies.map((p) => p.hash).join('\n'))
      .digest('hex')
      .slice(0, 12);
    // With several policies the strictest default applies: a policy that denies by default is not overridden.
    const strictest = policies.reduce((a, b) =>
      precedence[b.defaults.action] > precedence[a.defaults.action] ? b : a,
    );
    this.defaultAction = strictest.defaults.action;
    this.defaultEscalation = strictest.defaults.escalation;
    this.limits = combineLimits(policies);
    this.budgetEscalation = policies.find((p) => p.limits.onExceeded === 'escalate')?.defaults.escalation;
    this.clock = options.clock ?? (() => performance.now());
    const gate = new ToolGate(policies, this.rules);
    this.toolGate = gate.active ? gate : undefined;
    this.levelsByName = new Map(this.rules.flatMap((r) => r.detectors ?? []).map((d) => [d.name, levelOf(d)]));
  }

  /** A fresh budget for one decision, counting time from now. */
  private startBudget(): DecisionBudget {
    const budget = new DecisionBudget(this.limits, this.clock);
    budget.resume();
    return budget;
  }

  /**
   * Loads policy files and builds an engine.
   * @param paths - policy files, evaluated in this order
   * @param services - see the constructor
   * @param options - see the constructor
   * @throws PolicyError for the first file that is invalid
   */
  static fromFiles(
    paths: readonly string[],
    services: GuardServices = {},
    options: PolicyEngineOptions = {},
  ): PolicyEngine {
    return new PolicyEngine(
      paths.map((path) => loadPolicyFile(path)),
      services,
      options,
    );
  }

  /** The rules whose tool patterns match `tool`, in evaluation order (cached per tool name). */
  rulesFor(tool: string): readonly CompiledRule[] {
    return this.toolEntry(tool).rules;
  }

  private toolEntry(tool: string): { rules: CompiledRule[]; async: boolean } {
    let entry = this.rulesByTool.get(tool);
    if (!entry) {
      const rules = this.rules.filter((rule) => rule.matchesTool(tool));
      entry = { rules, async: rules.some((rule) => rule.type !== 'static') };
      if (this.rulesByTool.size >= toolCacheLimit) this.rulesByTool.clear();
      this.rulesByTool.set(tool, entry);
    }
    return entry;
  }

  /** Whether deciding a call to `tool` involves an `llm-judge` or `remote` rule (so needs {@link decide}). */
  requiresAsync(tool: string): boolean {
    return this.toolEntry(String(tool)).async;
  }

  /**
   * Decides a call using static rules only, synchronously. Never throws for any input: an internal failure
   * becomes a block, a decision over its budget (`limits`) becomes `limits.onExceeded` with the hit
   * `guard:decision-budget`.
   * @param call - the tool call
   * @param now - the time of the call, used for `context.time` when the call has none
   * @throws PolicyError when the tool has `llm-judge` or `remote` rules (use {@link decide})
   */
  decideStatic(call: ToolCall, now: Date): PolicyDecision {
    if (this.requiresAsync(call.tool)) {
      throw new PolicyError({
        file: this.policies[0]?.file ?? '<none>',
        message: `tool '${call.tool}' has llm-judge or remote rules; call decide() instead of decideStatic()`,
      });
    }
    const outcomes: Outcome[] = [];
    const budget = this.startBudget();
    try {
      this.evaluateStatic(call, now, budget, outcomes);
      return this.combine(outcomes, call, budget);
    } catch (error) {
      return this.failure(error, outcomes);
    }
  }

  /**
   * Decides a call: static rules first, then `llm-judge` and `remote` rules concurrently (skipped when a static
   * rule already blocks). Never rejects: service failures follow each rule's fallback, internal failures block,
   * a decision over its budget is decided as in {@link PolicyEngine.decideStatic}. Time spent waiting for
   * `llm-judge` and `remote` rules does not count against `limits.maxDecisionMs` (they have their own timeouts).
   * @param call - the tool call
   * @param now - the time of the call, used for `context.time` when the call has none
   */
  async decide(call: ToolCall, now: Date): Promise<PolicyDecision> {
    const staticOutcomes: Outcome[] = [];
    const budget = this.startBudget();
    try {
      const rules = this.rulesFor(String(call.tool));
      this.evaluateStatic(call, now, budget, staticOutcomes);
      if (!rules.some((rule) => rule.type !== 'static') || staticOutcomes.some((o) => o.effect === 'block')) {
        return this.combine(staticOutcomes, call, budget);
      }
      const context = contextOf(call, now);
      budget.pause();
      const asyncOutcomes = await Promise.all(
        rules.filter((rule) => rule.type !== 'static').map((rule) => this.evaluateAsync(rule, call, context)),
      );
      budget.resume();
      const order = new Map(rules.map((rule, index) => [rule, index]));
      const all = [...staticOutcomes, ...asyncOutcomes.filter((o): o is Outcome => o !== undefined)].sort(
        (a, b) => (order.get(a.rule) ?? 0) - (order.get(b.rule) ?? 0),
      );
      return this.combine(all, call, budget);
    } catch (error) {
      return this.failure(error, staticOutcomes);
    }
  }

  /** Evaluates the static rules into `outcomes` (so that what fired before a budget error is kept). */
  private evaluateStatic(call: ToolCall, now: Date, budget: DecisionBudget, outcomes: Outcome[]): void {
    const gate = this.toolGate?.check(String(call.tool), inputOf(call));
    if (gate) {
      outcomes.push({
        rule: gate.rule,
        hits: [{ id: gate.rule.id, action: gate.rule.action, mode: 'enforce', message: gate.message }],
        effect: gate.rule.action,
      });
      // An input that fails its tool's schema is not what any rule was written for.
      if (gate.final) return;
    }
    if (call.toolSchema !== undefined) {
      const problem = callerSchemaProblem(call.toolSchema, inputOf(call));
      if (problem !== undefined) {
        const message = `input of '${String(call.tool)}' does not match the schema the model was given: ${problem}`;
        outcomes.push({
          rule: callerSchemaRule,
          hits: [{ id: callerSchemaRule.id, action: 'block', mode: 'enforce', message }],
          effect: 'block',
        });
        return;
      }
    }
    let scope: ConditionScope | undefined;
    const input = inputOf(call);
    // The input's own keys, read once for every rule's scope.
    let keys: string[] | undefined;
    for (const rule of this.rulesFor(String(call.tool))) {
      if (rule.type !== 'static') continue;
      budget.poll(64);
      let conditionError: string | undefined;
      if (rule.condition) {
        scope ??= { tool: String(call.tool), input, context: contextOf(call, now) };
        let value: unknown;
        let failure: string | undefined;
        try {
          value = rule.condition.evaluate(scope, budget);
          if (typeof value !== 'boolean') failure = `condition returned ${typeof value}, expected bool`;
        } catch (error) {
          failure = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        }
        // CEL may wrap what `matches()` threw: an exhausted budget ends the decision whatever the condition said.
        if (budget.exceeded) throw budget.exceeded;
        if (failure !== undefined) {
          // Fail closed: a rule meant to stop calls still stops them when its condition cannot be evaluated.
          if (rule.action !== 'block' && rule.action !== 'escalate') continue;
          conditionError = `condition error: ${failure}`;
        } else if (value !== true) {
          continue;
        }
      }
      let action = rule.action;
      let detected: string | undefined;
      if (rule.detectors) {
        keys ??= rule.scope ? Object.keys(input) : undefined;
        const findings = scanScope(input, keys ?? noKeys, rule.detectors, rule.scope, budget);
        if (findings.length === 0) continue;
        const graded = findingsAction(
          rule.action,
          rule.onUnparseable ?? 'escalate',
          findings.map((f) => this.levelsByName.get(f.detector)),
        );
        if (graded === undefined) continue;
        action = graded;
        detected = 'detected ' + findings.map((f) => `${f.detector} at ${f.pointer || '/'}`).join(', ');
      }
      const detail =
        conditionError === undefined
          ? (detected ?? '')
          : detected === undefined
            ? conditionError
            : `${conditionError}; ${detected}`;
      const message = rule.message ? (detail ? `${rule.message} (${detail})` : rule.message) : detail || describe(rule);
      outcomes.push({
        rule,
        hits: [{ id: rule.id, action, mode: rule.mode, message }],
        effect: rule.mode === 'enforce' ? action : undefined,
      });
    }
  }

  private async evaluateAsync(
    rule: CompiledRule,
    call: ToolCall,
    context: Record<string, unknown>,
  ): Promise<Outcome | undefined> {
    const enforce = rule.mode === 'enforce';
    const outcome = (action: GuardAction, message: string, effect = enforce): Outcome => ({
      rule,
      hits: [{ id: rule.id, action, mode: rule.mode, message }],
      effect: effect ? action : undefined,
    });
    const payload = { tool: String(call.tool), input: inputOf(call), context };
    if (rule.type === 'llm-judge' && rule.llm) {
      try {
        const judge = this.services.llmJudge;
        if (!judge) throw new Error('no llmJudge service was given to the PolicyEngine');
        const verdict = await judge({ ...rule.llm, prompt: renderPrompt(rule.llm.prompt, payload), ruleId: rule.id });
        if (verdict.action === 'allow') return undefined;
        return outcome(verdict.action, verdict.reason ?? `llm judge: ${verdict.action}`);
      } catch (error) {
        return outcome(rule.fallback, `llm-judge failed (${errorText(error)}); fallback ${rule.fallback}`);
      }
    }
    if (rule.type === 'remote' && rule.remote) {
      const { url, apiKeyEnv, timeoutMs, retries, failOpen } = rule.remote;
      try {
        const remote = this.services.remoteGuard;
        if (!remote) throw new Error('no remoteGuard service was given to the PolicyEngine');
        const verdict = await remote({ ruleId: rule.id, url, apiKeyEnv, timeoutMs, retries, call: payload });
        const subHits: RuleHit[] = (verdict.rulesTriggered ?? []).map((hit) => ({
          id: `${rule.id}:${hit.id}`,
          action: hit.action ?? verdict.action,
          mode: rule.mode === 'audit' ? 'audit' : (hit.mode ?? 'enforce'),
          ...(hit.message === undefined ? {} : { message: hit.message }),
        }));
        if (verdict.action === 'allow') return subHits.length > 0 ? { rule, hits: subHits } : undefined;
        const own = outcome(verdict.action, verdict.reason ?? `remote guard: ${verdict.action}`);
        own.hits.push(...subHits);
        if (verdict.action === 'modify') own.replacement = verdict.modifiedInput;
        return own;
      } catch (error) {
        return failOpen
          ? outcome('allow', `remote guard failed (${errorText(error)}); failing open`, false)
          : outcome('block', `remote guard failed (${errorText(error)}); failing closed`, true);
      }
    }
    return undefined;
  }

  private combine(outcomes: Outcome[], call: ToolCall, budget: DecisionBudget): PolicyDecision {
    if (outcomes.length === 0) return this.defaultDecision([], '');
    const rulesTriggered: RuleHit[] = [];
    let action: GuardAction | undefined;
    let auditNote = '';
    for (const o of outcomes) {
      for (const hit of o.hits) {
        rulesTriggered.push(hit);
        if (hit.mode === 'audit') auditNote += `${auditNote ? ', ' : '; audit only: '}'${hit.id}' would ${hit.action}`;
      }
      if (o.effect && (action === undefined || precedence[o.effect] > precedence[action])) action = o.effect;
    }
    if (action === undefined) return this.defaultDecision(rulesTriggered, auditNote);
    let ids = '';
    let messages = '';
    let modifies = false;
    const escalations: (EscalationSettings | undefined)[] = [];
    for (const o of outcomes) {
      if (o.effect === 'modify') modifies = true;
      if (o.effect !== action) continue;
      ids += `${ids ? ', ' : ''}'${o.rule.id}'`;
      messages += (messages ? '; ' : '') + (o.hits[0]?.message ?? describe(o.rule));
      if (action === 'escalate') escalations.push(o.rule.escalation);
    }
    const decision: PolicyDecision = {
      action,
      reason: `${verbs[action]} by ${ids}: ${messages}${auditNote}`,
      rulesTriggered,
      policyVersion: this.version,
    };
    if (modifies && (action === 'modify' || action === 'escalate')) {
      let input = inputOf(call);
      for (const o of outcomes) {
        if (o.effect !== 'modify') continue;
        input = o.replacement ? cloneJson(o.replacement) : applyModifyOps(input, o.rule.modify ?? [], budget);
      }
      decision.modifiedInput = input;
    }
    if (action === 'escalate') decision.escalation = mergeEscalations(escalations);
    return decision;
  }

  private defaultDecision(rulesTriggered: RuleHit[], auditNote: string): PolicyDecision {
    const decision: PolicyDecision = {
      action: this.defaultAction,
      reason: `no rule fired; default ${this.defaultAction}${auditNote}`,
      rulesTriggered,
      policyVersion: this.version,
    };
    if (this.defaultAction === 'escalate') decision.escalation = { ...this.defaultEscalation };
    return decision;
  }

  /** A decision over budget fails closed with `limits.onExceeded`; anything else thrown is an internal failure. */
  private failure(error: unknown, outcomes: readonly Outcome[]): PolicyDecision {
    if (!(error instanceof DecisionBudgetError)) return this.internalFailure(error);
    const onExceeded = this.limits.onExceeded;
    const rulesTriggered = outcomes.flatMap((o) => o.hits);
    rulesTriggered.push({ id: DECISION_BUDGET_RULE_ID, action: onExceeded, mode: 'enforce', message: error.message });
    // A rule that already blocked still blocks: running out of budget never weakens a decision.
    const action = outcomes.some((o) => o.effect === 'block') ? 'block' : onExceeded;
    const decision: PolicyDecision = { action, reason: error.message, rulesTriggered, policyVersion: this.version };
    if (action === 'escalate') decision.escalation = { ...this.budgetEscalation };
    return decision;
  }

  private internalFailure(error: unknown): PolicyDecision {
    return {
      action: 'block',
      reason: `policy evaluation failed (${errorText(error)}); blocking to fail closed`,
      rulesTriggered: [],
      policyVersion: this.version,
    };
  }
}

/**
 * Several escalating rules: the shortest timeout and maxWindow, the union of approver groups and channels (any
 * listed group may approve, every listed channel is told), every ladder step, and the strictest onTimeout.
 */
function mergeEscalations(list: (EscalationSettings | undefined)[]): EscalationSettings {
  if (list.length === 1) return { ...list[0] };
  const merged: EscalationSettings = {};
  for (const settings of list) {
    if (!settings) continue;
    if (settings.timeoutMs !== undefined) {
      merged.timeoutMs = Math.min(merged.timeoutMs ?? Infinity, settings.timeoutMs);
    }
    if (settings.approverGroups) {
      merged.approverGroups = [...new Set([...(merged.approverGroups ?? []), ...settings.approverGroups])];
    }
    if (settings.channels) merged.channels = [...new Set([...(merged.channels ?? []), ...settings.channels])];
    if (settings.ladder) merged.ladder = [...(merged.ladder ?? []), ...settings.ladder];
    if (settings.maxWindowMs !== undefined) {
      merged.maxWindowMs = Math.min(merged.maxWindowMs ?? Infinity, settings.maxWindowMs);
    }
    if (settings.maxGrantMs !== undefined)
      merged.maxGrantMs = Math.min(merged.maxGrantMs ?? Infinity, settings.maxGrantMs);
  }
  const onTimeout = strictestTimeout(list.map((settings) => settings?.onTimeout));
  if (onTimeout) merged.onTimeout = onTimeout;
  const approvals = mergeApprovals(list.map((settings) => settings?.approvals));
  if (approvals) merged.approvals = approvals;
  return merged;
}

/**
 * The strictest end of several windows: a rule without onTimeout blocks, so the merged window allows only when
 * every rule says allow, and escalates when none blocks and one escalates (the first that does).
 */
function strictestTimeout(outcomes: (TimeoutOutcome | undefined)[]): TimeoutOutcome | undefined {
  if (outcomes.some((o) => o === undefined || o.action === 'block')) return undefined;
  return outcomes.find((o) => o?.action === 'escalate') ?? outcomes[0];
}

function inputOf(call: ToolCall): Record<string, unknown> {
  const input: unknown = call.input;
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}

/** The context conditions see: agent, batch and caller default to '' so that comparisons never fail. */
function contextOf(call: ToolCall, now: Date): Record<string, unknown> {
  const given: unknown = call.context;
  const context = typeof given === 'object' && given !== null && !Array.isArray(given) ? given : {};
  const time = (context as { time?: unknown }).time;
  return {
    agent: '',
    batch: '',
    caller: '',
    ...context,
    time: typeof time === 'string' ? time : isoTime(now),
  };
}

let lastTime = NaN;
let lastIso = '';

/** `now.toISOString()`, remembered for the last instant: batches decide many calls with one `now`. */
function isoTime(now: Date): string {
  const ms = now.getTime();
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = Number.isNaN(ms) ? '' : now.toISOString();
  }
  return lastIso;
}

function describe(rule: CompiledRule): string {
  return rule.condition ? `condition ${rule.condition.source}` : `tool matches ${rule.tools.join(', ')}`;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}

/**
 * The strictest budget the policies set: the smallest sizes and times, `block` over `escalate`; the defaults for
 * what none of them sets.
 */
function combineLimits(policies: readonly LoadedPolicy[]): DecisionLimits {
  const set = <K extends keyof DecisionLimits>(key: K): DecisionLimits[K][] =>
    policies.map((p) => p.limits[key]).filter((v): v is DecisionLimits[K] => v !== undefined);
  const scan = set('maxScanBytes');
  const time = set('maxDecisionMs');
  const onExceeded = set('onExceeded');
  return {
    maxScanBytes: scan.length > 0 ? Math.min(...scan) : DEFAULT_DECISION_LIMITS.maxScanBytes,
    maxDecisionMs: time.length > 0 ? Math.min(...time) : DEFAULT_DECISION_LIMITS.maxDecisionMs,
    onExceeded:
      onExceeded.length === 0 || onExceeded.includes('block') ? DEFAULT_DECISION_LIMITS.onExceeded : 'escalate',
  };
}

/** Detector findings within a rule's scope (pointers into the input), reported with full pointers. */
function scanScope(
  input: Record<string, unknown>,
  keys: readonly string[],
  detectors: readonly Detector[],
  scope: readonly string[][] | undefined,
  budget: DecisionBudget,
): Finding[] {
  if (!scope) return scanValue(input, detectors, 5, budget);
  const entries = scopeEntries(keys, scope);
  if (entries.length === 0) return noFindings;
  let findings = noFindings;
  for (const tokens of entries) {
    const value = tokens.length === 1 ? ownValue(input, tokens[0] as string) : getAt(input, tokens);
    if (value === undefined) continue;
    const found = scanValue(value, detectors, 5 - findings.length, budget);
    if (found.length === 0) continue;
    const prefix = formatPointer(tokens);
    if (findings === noFindings) findings = [];
    for (const finding of found) findings.push({ ...finding, pointer: prefix + finding.pointer });
    if (findings.length >= 5) break;
  }
  return findings;
}

const noFindings: Finding[] = [];
Object.freeze(noFindings);
const noKeys: readonly string[] = [];

/** A long scope's entries by their first key, and the entries that are the whole input (the empty pointer). */
interface ScopeIndex {
  byKey: Map<string, number[]>;
  whole: number[];
}

const scopeIndexes = new WeakMap<readonly string[][], ScopeIndex>();
const noEntries: readonly string[][] = [];

function scopeIndex(scope: readonly string[][]): ScopeIndex {
  let index = scopeIndexes.get(scope);
  if (!index) {
    const built: ScopeIndex = { byKey: new Map(), whole: [] };
    scope.forEach((tokens, i) => {
      const first = tokens[0];
      if (first === undefined) {
        built.whole.push(i);
        return;
      }
      const list = built.byKey.get(first) ?? [];
      list.push(i);
      built.byKey.set(first, list);
    });
    scopeIndexes.set(scope, built);
    index = built;
  }
  return index;
}

/**
 * The scope entries that can exist in an input of these own `keys`, in scope order: a long scope (the egress rule
 * lists twenty field names) on an input of two keys looks up the two keys instead of the twenty names.
 */
function scopeEntries(keys: readonly string[], scope: readonly string[][]): readonly string[][] {
  if (scope.length < 4 || keys.length >= scope.length) return scope;
  const index = scopeIndex(scope);
  // The whole input (the empty pointer) is in scope whatever its keys.
  let hits: number[] | undefined = index.whole.length > 0 ? [...index.whole] : undefined;
  let single: number | undefined;
  for (const key of keys) {
    const list = index.byKey.get(key);
    if (list === undefined) continue;
    // The common case, one field of the scope in the input, allocates nothing but the answer.
    if (hits === undefined && single === undefined && list.length === 1) {
      single = list[0] as number;
      continue;
    }
    hits ??= [];
    if (single !== undefined) {
      hits.push(single);
      single = undefined;
    }
    for (const i of list) hits.push(i);
  }
  if (hits === undefined) return single === undefined ? noEntries : [scope[single] as string[]];
  if (hits.length === 0) return noEntries;
  if (hits.length > 1) hits.sort((x, y) => x - y);
  return hits.map((i) => scope[i] as string[]);
}

/** `getAt(input, [key])` for the common one-level scope (`/command`), without the general walk. */
function ownValue(input: unknown, key: string): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return getAt(input, [key]);
  return Object.prototype.hasOwnProperty.call(input, key) ? (input as Record<string, unknown>)[key] : undefined;
}
