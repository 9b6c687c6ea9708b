import type { LlmJudgeSettings } from './compiled';
import type { GuardAction } from './types';

/** What an `llm-judge` rule asks: its settings, with the prompt already filled in for the call. */
export interface LlmJudgeRequest extends LlmJudgeSettings {
  ruleId: string;
}

/** The judge's answer. */
export interface LlmVerdict {
  action: 'allow' | 'block' | 'escalate';
  reason?: string;
}

/**
 * Asks a model for a verdict. Rejects on any failure (network, timeout, HTTP status, malformed answer)
 * after its own bounded retries; the engine then applies the rule's fallback.
 */
export type LlmJudge = (request: LlmJudgeRequest) => Promise<LlmVerdict>;

/** What a `remote` rule sends. */
export interface RemoteGuardRequest {
  ruleId: string;
  url: string;
  apiKeyEnv?: string;
  timeoutMs: number;
  retries: number;
  call: { tool: string; input: Record<string, unknown>; context: Record<string, unknown> };
}

/** A remote guard's answer, already validated and mapped to camelCase. */
export interface RemoteVerdict {
  action: GuardAction;
  /** Required when action is 'modify'. */
  modifiedInput?: Record<string, unknown>;
  reason?: string;
  rulesTriggered?: { id: string; action?: GuardAction; mode?: 'enforce' | 'audit'; message?: string }[];
}

/** Asks a remote guard endpoint. Rejects on any failure after bounded retries; the rule then fails closed or open. */
export type RemoteGuard = (request: RemoteGuardRequest) => Promise<RemoteVerdict>;

/** The side-effecting services that async rules need, injected into {@link PolicyEngine}. */
export interface GuardServices {
  llmJudge?: LlmJudge;
  remoteGuard?: RemoteGuard;
}

/** Fills `{{tool}}`, `{{input}}` and `{{context}}` in a prompt template with the call, as JSON. */
export function renderPrompt(template: string, call: { tool: string; input: unknown; context: unknown }): string {
  return template.replace(/\{\{\s*(tool|input|context)\s*\}\}/g, (_, name: 'tool' | 'input' | 'context') =>
    name === 'tool' ? call.tool : JSON.stringify(call[name]),
  );
}
