/**
 * The policy engine: loads YAML/JSON policy files, compiles their rules (tool globs, CEL conditions, built-in
 * detectors, modify operations) and decides tool calls. Pure: no Temporal, no network; the `llm-judge` and
 * `remote` rules reach the outside through services injected from `src/activities/`.
 */
export type {
  CallContext,
  Decider,
  EscalationSettings,
  GuardAction,
  PolicyDecision,
  QuorumSettings,
  RuleHit,
  ToolCall,
} from './types';
export type { CompiledModifyOp, CompiledRule, LlmJudgeSettings, LoadedPolicy, RemoteGuardSettings } from './compiled';
export type {
  GuardServices,
  LlmJudge,
  LlmJudgeRequest,
  LlmVerdict,
  RemoteGuard,
  RemoteGuardRequest,
  RemoteVerdict,
} from './guard-services';
export type { PolicyIssue } from './errors';
export type { PolicyStoreOptions } from './policy-store';
export type { PolicyEngineOptions } from './engine';
export type { Clock, DecisionLimits } from './budget';
export type { Detector, DetectorMatch } from './detectors/detector';
export type { Finding } from './detectors/scan';
export { PolicyError, formatIssue } from './errors';
export { loadPolicyFile, parsePolicy } from './parse-policy';
export { PolicyEngine } from './engine';
export { PolicyStore } from './policy-store';
export { withoutNetworkRules } from './offline-rules';
export { renderPrompt } from './guard-services';
export { parseDuration } from './duration';
export { DEFAULT_MAX_GRANT_MS } from './types';
export { detectorNames, resolveDetectors } from './detectors/registry';
export { detectIn, findIn, redactText, redactValue, scanValue, SCAN_OVERLAP, SCAN_WINDOW } from './detectors/scan';
export { DECISION_BUDGET_RULE_ID, DEFAULT_DECISION_LIMITS, DecisionBudgetError, formatBytes } from './budget';
export { missingChannelsLine, policyChannels } from './channels';
export { compileCondition } from './condition';
export type { CompiledCondition, ConditionScope } from './condition';
export { describeQuorum, mergeApprovals, needsQuorum } from './quorum-settings';
export { MAX_QUORUM } from './quorum-schema';
