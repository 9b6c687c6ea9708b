/**
 * The candidate policy of a backtest: the same files and engine the worker loads, with the rules that call out
 * (llm-judge, remote) turned off unless the network is allowed.
 */
import { createLlmJudge } from '../activities/llm-judge';
import { createRemoteGuard } from '../activities/remote-guard';
import { loadPolicyFile, PolicyEngine, type CompiledRule, type LoadedPolicy } from '../policy';

/** A candidate ready to decide recorded calls. */
export interface Candidate {
  engine: PolicyEngine;
  /** IDs of the llm-judge and remote rules that do not run (empty with the network on). */
  skippedRules: ReadonlySet<string>;
}

/**
 * A network rule kept as a static rule that never fires: the tools it names stay named (so `unknownTools` treats
 * them as before) and its ID is kept, but it decides nothing.
 */
function offline(rule: CompiledRule): CompiledRule {
  return { ...rule, type: 'static', condition: { source: 'false', evaluate: () => false } };
}

/**
 * Loads the candidate policy files.
 * @param files - policy files, in the order the worker would load them
 * @param withNetwork - run llm-judge and remote rules for real
 * @throws PolicyError naming the file, line and rule of the first problem
 */
export function loadCandidate(files: readonly string[], withNetwork = false): Candidate {
  const policies = files.map((file) => loadPolicyFile(file));
  if (withNetwork) {
    const engine = new PolicyEngine(policies, { llmJudge: createLlmJudge(), remoteGuard: createRemoteGuard() });
    return { engine, skippedRules: new Set() };
  }
  const skippedRules = new Set<string>();
  const local: LoadedPolicy[] = policies.map((policy) => ({
    ...policy,
    rules: policy.rules.map((rule) => {
      if (rule.type === 'static') return rule;
      skippedRules.add(rule.id);
      return offline(rule);
    }),
  }));
  // The version is the candidate's own (the files' hashes), whether or not network rules run.
  return { engine: new PolicyEngine(local), skippedRules };
}
