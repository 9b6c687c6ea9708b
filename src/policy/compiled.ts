import type { ValidateFunction } from 'ajv';

import type { DecisionLimits } from './budget';
import type { CompiledCondition } from './condition';
import type { Detector } from './detectors/detector';
import type { EscalationSettings, GuardAction } from './types';

/** A modify operation ready to apply: pointers split into tokens, detector names resolved. */
export type CompiledModifyOp =
  | { op: 'redact'; detectors: Detector[]; scope?: string[][] }
  | { op: 'set'; tokens: string[]; value: unknown }
  | { op: 'remove'; tokens: string[] }
  | { op: 'clamp'; tokens: string[]; min?: number; max?: number };

/** How an `llm-judge` rule asks its model. */
export interface LlmJudgeSettings {
  baseUrl: string;
  model: string;
  /** Prompt template; `{{tool}}`, `{{input}}` and `{{context}}` are replaced with the call's JSON. */
  prompt: string;
  /** Name of the environment variable that holds the API key. */
  apiKeyEnv?: string;
  timeoutMs: number;
  retries: number;
}

/** How a `remote` rule reaches its guard endpoint. */
export interface RemoteGuardSettings {
  url: string;
  apiKeyEnv?: string;
  timeoutMs: number;
  retries: number;
  failOpen: boolean;
}

/** One rule compiled at load time. */
export interface CompiledRule {
  id: string;
  /** Name of the policy the rule belongs to. */
  policy: string;
  type: 'static' | 'llm-judge' | 'remote';
  /** The action of a static rule; for `llm-judge` and `remote` rules the verdict decides. */
  action: GuardAction;
  mode: 'enforce' | 'audit';
  message?: string;
  tools: string[];
  matchesTool: (tool: string) => boolean;
  condition?: { source: string; evaluate: CompiledCondition };
  detectors?: Detector[];
  /** Where detectors look and redact (JSON pointers as tokens); the whole input when absent. */
  scope?: string[][];
  modify?: CompiledModifyOp[];
  escalation?: EscalationSettings;
  llm?: LlmJudgeSettings;
  remote?: RemoteGuardSettings;
  /** What an `llm-judge` rule decides when the judge fails. */
  fallback: GuardAction;
  /** What a finding of an `unparseable_*` detector (or input too long to parse) makes the rule do. */
  onUnparseable?: GuardAction;
}

/** A policy file parsed, validated and compiled: ready for {@link PolicyEngine}. */
export interface LoadedPolicy {
  /** `policy:` from the file, else the file name. */
  name: string;
  file: string;
  /** sha256 of the source, hex. */
  hash: string;
  rules: CompiledRule[];
  defaults: { action: GuardAction; escalation?: EscalationSettings };
  /** The per-decision budget the file sets (`limits:`); what it leaves out takes the engine's defaults. */
  limits: Partial<DecisionLimits>;
  /** `toolSchemas:` compiled: each tool's input validator. */
  toolSchemas?: ReadonlyMap<string, ValidateFunction>;
  /** `unknownTools:`: what happens to calls of tools that no rule or schema names. */
  unknownTools?: GuardAction;
}
