/**
 * The candidate policy of a backtest: the same files and engine the worker loads, with the rules that call out
 * (llm-judge, remote) turned off unless the network is allowed.
 */
import { createLlmJudge } from '../activities/llm-judge';
import { createRemoteGuard } from '../activities/remote-guard';
import { loadPolicyFile, PolicyEngine, withoutNetworkRules } from '../policy';

/** A candidate ready to decide recorded calls. */
export interface Candidate {
  engine: PolicyEngine;
  /** IDs of the llm-judge and remote rules that do not run (empty with the network on). */
  skippedRules: ReadonlySet<string>;
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
  const { policies: local, skippedRules } = withoutNetworkRules(policies);
  // The version is the candidate's own (the files' hashes), whether or not network rules run.
  return { engine: new PolicyEngine(local), skippedRules };
}
